/**
 * How the `lake` command reports failures: ONE line on stderr,
 * `error <CODE>: <message> — <what to do>`, and an exit code per error code (docs/cli.md lists
 * them). A stack trace is printed only with `--debug`.
 */
import { LakeError, type LakeErrorCode } from '../src/errors.js';

/** Codes of failures that are not LakeErrors: a bad command line, or a bug. */
export type CliErrorCode = LakeErrorCode | 'USAGE';

/** Exit codes: 0 is success; every error code has its own. */
export const EXIT_CODES: Readonly<Record<CliErrorCode, number>> = {
  INTERNAL: 1,
  USAGE: 2,
  INVALID_INPUT: 3,
  INVALID_IDENTIFIER: 4,
  TABLE_NOT_FOUND: 5,
  NAMESPACE_NOT_FOUND: 6,
  SNAPSHOT_NOT_FOUND: 7,
  REF_NOT_FOUND: 8,
  NOT_FOUND: 9,
  TABLE_ALREADY_EXISTS: 10,
  NAMESPACE_ALREADY_EXISTS: 11,
  ALREADY_EXISTS: 12,
  NAMESPACE_NOT_EMPTY: 13,
  COMMIT_CONFLICT: 14,
  COMMIT_STATE_UNKNOWN: 15,
  REQUIREMENT_FAILED: 16,
  INVALID_SCHEMA_CHANGE: 17,
  INVALID_METADATA: 18,
  UNSUPPORTED_FEATURE: 19,
  CONDITIONAL_WRITES_UNSUPPORTED: 20,
  STORAGE_ERROR: 21,
  OUTCOME_UNKNOWN: 22,
};

/** What to do about each kind of failure (the part after the dash). */
export const ERROR_HINTS: Readonly<Record<CliErrorCode, string>> = {
  INTERNAL: 'this is a bug in lake; run again with --debug and report the output',
  USAGE: 'see `lake --help` or `lake <command> --help`',
  INVALID_INPUT: 'fix the input and run the command again; nothing was changed',
  INVALID_IDENTIFIER: 'use names without dots inside parts, slashes, control characters or `..` (e.g. db.events)',
  TABLE_NOT_FOUND: 'list tables with `lake tables` and check --warehouse (or give the table location)',
  NAMESPACE_NOT_FOUND: 'list tables with `lake tables` and check --warehouse',
  SNAPSHOT_NOT_FOUND: 'list snapshots with `lake snapshots <table>`',
  REF_NOT_FOUND: 'see the branches and tags with `lake describe <table>`',
  NOT_FOUND: 'check the path or location',
  TABLE_ALREADY_EXISTS: 'choose another name, or drop the table first with `lake drop`',
  NAMESPACE_ALREADY_EXISTS: 'choose another name',
  ALREADY_EXISTS: 'choose another name',
  NAMESPACE_NOT_EMPTY: 'drop its tables first',
  COMMIT_CONFLICT: 'another writer changed the table at the same time; run the command again',
  COMMIT_STATE_UNKNOWN: 'check `lake snapshots <table>` before retrying; a retry with the same --idempotency-key is safe',
  REQUIREMENT_FAILED: 'the table changed meanwhile; run the command again',
  INVALID_SCHEMA_CHANGE: 'see docs/evolution.md for the changes Iceberg allows',
  INVALID_METADATA: 'the table metadata does not follow the Iceberg spec; check which engine wrote it',
  UNSUPPORTED_FEATURE: 'see docs/ for what lake supports',
  CONDITIONAL_WRITES_UNSUPPORTED: 'use an object store that honours If-None-Match (AWS S3, MinIO, R2)',
  STORAGE_ERROR: 'check the storage location, credentials (AWS_* variables) and network, then run again',
  OUTCOME_UNKNOWN: 'check the storage, then run again',
};

export interface CliFailure {
  code: CliErrorCode;
  exitCode: number;
  /** The one line printed on stderr (without newline). */
  line: string;
}

/** Collapses a message to one line (DuckDB and SDK messages can span several). */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').replace(/\s+/g, ' ').trim();
}

/** The code, exit code and stderr line for any thrown value. */
export function describeFailure(e: unknown, usage = false): CliFailure {
  let code: CliErrorCode;
  let message: string;
  if (usage) {
    code = 'USAGE';
    message = (e as Error).message.replace(/^error:\s*/i, '');
  } else if (e instanceof LakeError) {
    code = e.code;
    message = e.message;
  } else {
    code = 'INTERNAL';
    message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  const hint = ERROR_HINTS[code];
  return { code, exitCode: EXIT_CODES[code], line: `error ${code}: ${oneLine(message)} — ${hint}` };
}
