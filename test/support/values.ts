/**
 * Values of primitive types from the text forms test vectors are written in (spec-vectors.md,
 * partition paths): decimal numbers, ISO dates, times and timestamps, plain strings. Byte arrays
 * have several text forms (hex, base64, quoted); callers decode those themselves.
 */
import { parseDecimal, valueFromJson } from '../../src/spec/single-value.js';
import type { PrimitiveType } from '../../src/spec/types.js';

/** The value of `type` written as `text`, in lake's value representation (src/spec/types.ts). */
export function valueFromText(type: PrimitiveType, text: string): unknown {
  switch (type.kind) {
    case 'int':
    case 'float':
    case 'double':
      return Number(text);
    case 'long':
      return BigInt(text);
    case 'boolean':
      return text === 'true';
    case 'decimal':
      return parseDecimal(text, type.scale);
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      // the same ISO text as the spec's JSON single-value form
      return valueFromJson(type, text);
    default:
      return text;
  }
}
