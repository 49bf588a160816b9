/**
 * Replaces the table's default sort order, as the reference implementation's `ReplaceSortOrder`:
 * staged as `add-sort-order` + `set-default-sort-order` (or only the latter when an equivalent
 * order exists) with `assert-default-sort-order-id`. Writers sort new files by the default order
 * and record its id. Like the reference implementation, a concurrent sort order change is
 * replaced (last writer wins), as long as the columns named are still the same columns.
 */
import type { NullOrder, SortFieldRequest } from '../spec/sort-order.js';
import { type SortOrderUpdateOptions, type SortOrderUpdateResult, parseSortOrderText, replaceSortOrder, sortOrderUpdateContext } from '../spec/sort-order-update.js';
import { parsePartitionTerm } from '../spec/partition-spec-update.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';
import { checkSameColumns } from './update-schema.js';

export interface PlannedSortOrder {
  result: SortOrderUpdateResult;
  updates: TableUpdate[];
}

/** The updates that make `order` the table's default sort order (pure); none when it already is. */
export function planSortOrder(base: TableMetadata, order: readonly SortFieldRequest[] | string, options: SortOrderUpdateOptions = {}): PlannedSortOrder {
  const result = replaceSortOrder(sortOrderUpdateContext(base), order, options);
  if (!result.changed) return { result, updates: [] };
  const updates: TableUpdate[] = result.existing
    ? [{ action: 'set-default-sort-order', sortOrderId: result.order.orderId }]
    : [{ action: 'add-sort-order', sortOrder: result.order }, { action: 'set-default-sort-order', sortOrderId: -1 }];
  return { result, updates };
}

export class ReplaceSortOrder implements PendingUpdate {
  readonly operationName = 'replace-sort-order';
  readonly targetBranch = undefined;
  private readonly fields: SortFieldRequest[] = [];
  private options: SortOrderUpdateOptions = {};

  constructor(private readonly table: TableHandle) {}

  /** Sorts ascending by a term (`id`, `bucket(4, id)`, `day(ts)`); nulls first unless told otherwise. */
  asc(term: string, nullOrder?: NullOrder): this {
    return this.push(term, 'asc', nullOrder);
  }

  /** Sorts descending by a term; nulls last unless told otherwise. */
  desc(term: string, nullOrder?: NullOrder): this {
    return this.push(term, 'desc', nullOrder);
  }

  /** Appends a field given as data (source column name or id, transform, direction, null order). */
  field(request: SortFieldRequest): this {
    this.fields.push({ ...request });
    return this;
  }

  /** Appends the fields of a sort order text (`"id desc nulls last, name"`). */
  fromText(text: string): this {
    this.fields.push(...parseSortOrderText(text));
    return this;
  }

  caseSensitive(value: boolean): this {
    this.options = { caseSensitive: value };
    return this;
  }

  /** The new order against the table as loaded, without committing; no fields means unsorted. */
  preview(): SortOrderUpdateResult {
    return replaceSortOrder(sortOrderUpdateContext(this.table.metadata), this.fields, this.options);
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(base: TableMetadata): Promise<StagedChange> {
    const names = this.fields.map((f) => String(f.source));
    checkSameColumns(sortOrderUpdateContext(this.table.metadata).schema, sortOrderUpdateContext(base).schema, names, this.options.caseSensitive ?? true, 'the table');
    const { updates } = planSortOrder(base, this.fields, this.options);
    return { updates, requirements: requirementsFor(base, updates), files: [], conflictChecks: [] };
  }

  private push(term: string, direction: 'asc' | 'desc', nullOrder: NullOrder | undefined): this {
    const t = parsePartitionTerm(term);
    const r: SortFieldRequest = { source: t.source, transform: t.transform, direction };
    if (nullOrder !== undefined) r.nullOrder = nullOrder;
    this.fields.push(r);
    return this;
  }
}
