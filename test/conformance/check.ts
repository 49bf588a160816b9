/**
 * The shape of conformance checks. A level (metadata now, data next) is a `CheckModule`: a list of
 * named checks that each look at one loaded table case and report problems. The runner runs every
 * module's checks on every table case; a case passes when no check reports a problem.
 */
import type { TableContext } from './table-state.js';

/** What one check found. `problems` make the case fail; `notes` (e.g. an expected error seen) do not. */
export class CheckReport {
  readonly problems: string[] = [];
  readonly notes: string[] = [];
  /** Set when the check does not apply to this case, with the reason. */
  skipped: string | undefined;

  fail(message: string): void {
    this.problems.push(message);
  }

  /** Records a problem unless `ok`. */
  expect(ok: boolean, message: string | (() => string)): void {
    if (!ok) this.problems.push(typeof message === 'string' ? message : message());
  }

  note(message: string): void {
    this.notes.push(message);
  }

  skip(reason: string): void {
    this.skipped = reason;
  }
}

export interface TableCheck {
  /** Short kebab-case name printed in FAIL lines. */
  name: string;
  /** One sentence: what is checked. */
  description: string;
  run(ctx: TableContext, report: CheckReport): void | Promise<void>;
}

/** One conformance level: its checks, and optional hooks around a run. */
export interface CheckModule {
  /** `metadata`, `data`, ... (printed in verbose output and docs). */
  level: string;
  description: string;
  checks: readonly TableCheck[];
  /** Called once after all cases ran (close engines, connections). */
  close?(): void | Promise<void>;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  level: string;
  check: string;
  status: CheckStatus;
  problems: string[];
  notes: string[];
  skipReason?: string;
}
