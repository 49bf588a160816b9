/** Normalizing what callers hand to `write`/`writeStream` into bytes. */
import { LakeError } from '../errors.js';
import type { StreamSource, WriteSource } from './storage.js';

const encoder = new TextEncoder();

export function toBytes(data: WriteSource): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new LakeError('INVALID_INPUT', 'storage writes take a Uint8Array or a string');
}

/** Iterates a stream source as Uint8Array chunks (a Readable in string mode yields strings). */
export async function* chunksOf(source: StreamSource): AsyncGenerator<Uint8Array> {
  for await (const chunk of source as AsyncIterable<unknown>) {
    if (chunk instanceof Uint8Array) yield chunk;
    else if (typeof chunk === 'string') yield encoder.encode(chunk);
    else throw new LakeError('INVALID_INPUT', 'a storage stream must yield Uint8Array chunks');
  }
}

export function checkRange(location: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new LakeError('INVALID_INPUT', `invalid byte range offset=${offset} length=${length} for ${location}`, {
      context: { location, offset, length },
    });
  }
}
