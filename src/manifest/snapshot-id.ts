/**
 * 64-bit identities in Avro.
 *
 * Avro `long` is a signed 64-bit integer, but Iceberg snapshot ids are only "a unique long id":
 * some writers produce ids above 2^63 - 1 in table metadata JSON (the corpus has
 * 9876543210123456789) and store the same 64 bits in Avro, where they read back negative
 * (-8570200863586094827). Both spellings name the same snapshot.
 *
 * lake therefore writes any id in [-2^63, 2^64) as its signed 64-bit pattern, returns ids read
 * from Avro as the signed value, and compares ids modulo 2^64 with `sameId`.
 */
import { LakeError } from '../errors.js';

const MIN_SIGNED = -(1n << 63n);
const LIMIT_UNSIGNED = 1n << 64n;

/** True when two 64-bit ids are the same bit pattern (compares modulo 2^64). */
export function sameId(a: bigint | undefined, b: bigint | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return BigInt.asUintN(64, a) === BigInt.asUintN(64, b);
}

/** A canonical key for an id (unsigned decimal string), for maps and sets keyed by id. */
export function idKey(id: bigint): string {
  return BigInt.asUintN(64, id).toString();
}

/**
 * The signed 64-bit value Avro stores for an id. Accepts signed and unsigned spellings
 * ([-2^63, 2^64)); anything outside does not fit in 64 bits and is rejected.
 */
export function toSigned64(id: bigint, what = 'id'): bigint {
  if (id < MIN_SIGNED || id >= LIMIT_UNSIGNED) {
    throw new LakeError('INVALID_INPUT', `${what} ${id} does not fit in 64 bits`);
  }
  return BigInt.asIntN(64, id);
}
