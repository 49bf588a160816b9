/**
 * Fast append (the reference implementation's FastAppend): the new files go into new manifests,
 * written once; each attempt's snapshot lists them followed by every manifest of the branch head.
 * Appends never conflict with concurrent commits: they always rebase.
 */
import type { DataFile } from '../spec/data-file.js';
import type { Snapshot, SnapshotOperation } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { ChangeSummary } from './change-summary.js';
import { snapshotManifests } from './manifest-reader.js';
import { NewFiles } from './new-manifests.js';
import { type ProducedSnapshot, SnapshotProducer } from './snapshot-producer.js';
import type { StageContext } from './staged-change.js';

export class AppendFiles extends SnapshotProducer {
  readonly operationName = 'append';
  private readonly data = new NewFiles('data');

  appendFile(file: DataFile): this {
    this.data.add(file);
    return this;
  }

  appendFiles(files: Iterable<DataFile>): this {
    for (const f of files) this.data.add(f);
    return this;
  }

  protected operation(): SnapshotOperation {
    return 'append';
  }

  async prepare(metadata: TableMetadata, ctx: StageContext): Promise<void> {
    await this.newManifests(metadata, ctx);
  }

  private newManifests(metadata: TableMetadata, ctx: StageContext) {
    return this.data.manifests({ io: ctx.io, metadata, snapshotId: this.snapshotId, namer: this.namer, track: this.track });
  }

  protected async produce(base: TableMetadata, parent: Snapshot | undefined, ctx: StageContext): Promise<ProducedSnapshot> {
    const added = await this.newManifests(base, ctx);
    const existing = parent === undefined ? [] : await snapshotManifests(ctx.io, parent);
    const summary = new ChangeSummary(base);
    for (const f of this.data.files) summary.added(f);
    return {
      manifests: [...added, ...existing],
      summary,
      conflictChecks: [],
      files: added.map((m) => m.manifestPath),
    };
  }
}
