/**
 * The conformance levels the runner applies to every table case, in order. Each level is a
 * `CheckModule` (see check.ts): a list of named checks over a loaded table case.
 *
 * - metadata (`checks-metadata.ts`): everything that can be checked without reading a data file;
 * - data (`checks-data.ts`): rows read through the Arrow path and the DuckDB path.
 */
import type { CheckModule } from './check.js';
import { dataLevel } from './checks-data.js';
import { metadataLevel } from './checks-metadata.js';

export const LEVELS: readonly CheckModule[] = [metadataLevel, dataLevel];
