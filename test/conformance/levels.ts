/**
 * The conformance levels the runner applies to every table case, in order. Each level is a
 * `CheckModule` (see check.ts): a list of named checks over a loaded table case.
 *
 * Extension point: the data level lives in `checks-data.ts` and exports a `CheckModule` whose
 * checks read rows through the Arrow path and the DuckDB path; add it to this list and every table
 * case is judged by it too (docs/conformance.md describes the contract).
 */
import type { CheckModule } from './check.js';
import { metadataLevel } from './checks-metadata.js';

export const LEVELS: readonly CheckModule[] = [metadataLevel];
