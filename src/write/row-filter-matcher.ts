/**
 * Decides, from partition tuples and column metrics, whether a file's rows may match a row filter
 * (inclusive: partition projection and metrics both allow it) or must all match it (strict: the
 * strict partition projection or the strict metrics guarantee it). Used to pick the files a delete
 * or overwrite by filter removes, and by commit validation to find concurrent files in scope.
 */
import {
  type BoundExpression,
  type Evaluate,
  InclusiveMetricsEvaluator,
  ManifestEvaluator,
  StrictMetricsEvaluator,
  type UnboundExpression,
  bind,
  partitionEvaluator,
  projectInclusive,
  projectStrict,
} from '../expressions/index.js';
import { type DataFile, FileContent, type ManifestFile, type PartitionValues } from '../spec/data-file.js';
import { LakeError } from '../errors.js';
import { type TableMetadata, currentSchema, specById } from '../spec/table-metadata.js';

interface PerSpec {
  inclusivePartition: Evaluate<PartitionValues>;
  strictPartition: Evaluate<PartitionValues>;
  manifest: ManifestEvaluator;
}

export class RowFilterMatcher {
  readonly bound: BoundExpression;
  private readonly inclusiveMetrics: InclusiveMetricsEvaluator;
  private readonly strictMetrics: StrictMetricsEvaluator;
  private readonly specs = new Map<number, PerSpec>();

  constructor(
    private readonly metadata: TableMetadata,
    filter: UnboundExpression,
    caseSensitive = true,
  ) {
    this.bound = bind(filter, currentSchema(metadata), { caseSensitive });
    this.inclusiveMetrics = new InclusiveMetricsEvaluator(this.bound);
    this.strictMetrics = new StrictMetricsEvaluator(this.bound);
  }

  private forSpec(specId: number): PerSpec {
    let p = this.specs.get(specId);
    if (p === undefined) {
      const spec = specById(this.metadata, specId);
      if (spec === undefined) throw new LakeError('INVALID_METADATA', `partition spec ${specId} is not in the table metadata`);
      p = {
        inclusivePartition: partitionEvaluator(projectInclusive(this.bound, spec), spec),
        strictPartition: partitionEvaluator(projectStrict(this.bound, spec), spec),
        manifest: new ManifestEvaluator(projectInclusive(this.bound, spec), spec),
      };
      this.specs.set(specId, p);
    }
    return p;
  }

  /** False when no file of the manifest can hold a matching row. */
  manifestMayMatch(m: ManifestFile): boolean {
    return this.forSpec(m.partitionSpecId).manifest.eval(m);
  }

  /**
   * False when no row of the file can match. Position delete files carry metrics of their own
   * columns only, so they are judged by their partition alone.
   */
  mayMatch(file: DataFile): boolean {
    if (!this.forSpec(file.specId).inclusivePartition(file.partition)) return false;
    return file.content === FileContent.POSITION_DELETES || this.inclusiveMetrics.eval(file);
  }

  /** True when every row of the file matches (metrics decide for data files only). */
  mustMatch(file: DataFile): boolean {
    if (this.forSpec(file.specId).strictPartition(file.partition)) return true;
    return file.content === FileContent.DATA && this.strictMetrics.eval(file);
  }
}
