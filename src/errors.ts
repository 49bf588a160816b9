/**
 * The one error class of lake. Every failure that a user or a caller can act on is a LakeError
 * with a typed `code`; the CLI maps codes to exit codes and one-line messages (see cli/).
 */
export type LakeErrorCode =
  /** Bad user input: a malformed argument, an incompatible value, a missing column. */
  | 'INVALID_INPUT'
  /** A namespace or table identifier that cannot be used (empty parts, `..`, `/`, control chars, too long). */
  | 'INVALID_IDENTIFIER'
  /** Metadata, a manifest or a data file that does not follow the Iceberg spec. */
  | 'INVALID_METADATA'
  /** A schema or partition change that Iceberg's rules forbid. */
  | 'INVALID_SCHEMA_CHANGE'
  /** A well-formed request for something lake does not support (yet). */
  | 'UNSUPPORTED_FEATURE'
  | 'TABLE_NOT_FOUND'
  | 'TABLE_ALREADY_EXISTS'
  | 'NAMESPACE_NOT_FOUND'
  | 'NAMESPACE_ALREADY_EXISTS'
  | 'NAMESPACE_NOT_EMPTY'
  | 'SNAPSHOT_NOT_FOUND'
  | 'REF_NOT_FOUND'
  | 'NOT_FOUND'
  /** An object that must not exist already exists (storage-level `writeIfAbsent` lost). */
  | 'ALREADY_EXISTS'
  /** Optimistic concurrency: another writer committed first and this change cannot be rebased. */
  | 'COMMIT_CONFLICT'
  /** The commit may or may not have landed, and lake could not find out. Files are kept. */
  | 'COMMIT_STATE_UNKNOWN'
  /** A requirement (assert-*) of a metadata update failed against the current table state. */
  | 'REQUIREMENT_FAILED'
  /** An object store that does not honour conditional writes (`If-None-Match: *`). */
  | 'CONDITIONAL_WRITES_UNSUPPORTED'
  /** A storage request failed (network, permissions, 5xx) in a way that is not one of the above. */
  | 'STORAGE_ERROR'
  /**
   * A storage write ended without a definite answer (timeout, connection reset, 5xx): the object
   * may or may not exist now. Callers that need to know read it back (the catalog does).
   */
  | 'OUTCOME_UNKNOWN'
  | 'INTERNAL';

export interface LakeErrorOptions {
  /** True when the same request may succeed if tried again (e.g. S3 409 ConditionalRequestConflict). */
  retryable?: boolean;
  /** Structured facts for callers and `--json` output (table, snapshot ids, paths ...). */
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class LakeError extends Error {
  readonly code: LakeErrorCode;
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;

  constructor(code: LakeErrorCode, message: string, options: LakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LakeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

export function isLakeError(e: unknown, code?: LakeErrorCode): e is LakeError {
  return e instanceof LakeError && (code === undefined || e.code === code);
}
