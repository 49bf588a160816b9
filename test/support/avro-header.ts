/**
 * Avro object container headers made by hand (spec "Object Container Files"), for files with a
 * chosen codec or schema that no writer under test would produce.
 */
import avro from 'avsc';

const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});

/** The encoded header: magic bytes, the metadata map, the 16-byte sync marker (zeros unless given). */
export function encodeAvroHeader(meta: Record<string, Buffer>, sync: Uint8Array = new Uint8Array(16)): Buffer {
  return HEADER.toBuffer({ magic: Buffer.from('Obj\x01', 'latin1'), meta, sync: Buffer.from(sync) });
}
