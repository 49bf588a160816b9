import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS } from '../manifest/corpus.js';

/** Bytes of a corpus vector file; fails loudly when the corpus is missing. */
export function vector(rel: string): Uint8Array {
  const p = join(CORPUS, rel);
  if (!existsSync(p)) throw new Error(`conformance corpus file missing: ${p} (these tests read ../shared/conformance)`);
  return new Uint8Array(readFileSync(p));
}
