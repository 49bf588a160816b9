/** The conformance corpus read through the Arrow reader (expectations in arrow-reader-corpus-cases.ts). */
import { readArrow } from '../../src/scan/arrow-reader.js';
import { arrowRows } from './arrow-reader-fixtures.js';
import { corpusSuite } from './arrow-reader-corpus-cases.js';

corpusSuite({
  name: 'arrow',
  rows: (plan, options = {}) => arrowRows(plan, options),
  count: async (plan) => {
    let n = 0;
    for await (const b of readArrow(plan)) n += b.numRows;
    return n;
  },
});
