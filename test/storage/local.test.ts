/**
 * Local-disk specifics: location forms, temp-file hygiene, and atomic creates across OS processes.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TEMP_PREFIX, LocalStorage } from '../../src/storage/local.js';
import { awaitStartLine, compileForChildren, raceProcesses } from '../support/processes.js';
import { rejected } from '../support/errors.js';

const storage = new LocalStorage();
const dec = new TextDecoder();
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-local-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function list(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.location);
  return out.sort();
}

describe('LocalStorage locations', () => {
  it('plain paths, file:///, file://localhost/ and Hadoop-style file:/ name the same file', async () => {
    const p = `${dir}/forms/a.txt`;
    await storage.write(p, 'plain');
    expect(dec.decode(await storage.read(`file://${p}`))).toBe('plain');
    expect(dec.decode(await storage.read(`file://localhost${p}`))).toBe('plain');
    expect(dec.decode(await storage.read(`file:${p}`))).toBe('plain');
    expect(storage.localPath(`file:${p}`)).toBe(p);
    expect(storage.localPath(`file://${p}`)).toBe(p);
    expect(storage.localPath('s3://bucket/key')).toBeUndefined();
    expect(await list(`file:${dir}/forms/`)).toEqual([`file:${p}`]);
    expect(await list(`file://${dir}/forms/`)).toEqual([`file://${p}`]);
    expect(await list(`${dir}/forms/`)).toEqual([p]);
  });

  it('takes locations literally: %20 is part of the file name', async () => {
    await storage.write(`${dir}/lit/name=a%20b/x.parquet`, 'x');
    expect(await fs.readdir(`${dir}/lit`)).toEqual(['name=a%20b']);
    expect(await list(`file://${dir}/lit/`)).toEqual([`file://${dir}/lit/name=a%20b/x.parquet`]);
  });

  it('rejects relative paths and other hosts', async () => {
    expect((await rejected(storage.read('relative/path.txt'))).code).toBe('INVALID_INPUT');
    expect((await rejected(storage.write('./x', 'x'))).code).toBe('INVALID_INPUT');
    expect((await rejected(storage.read('file://otherhost/tmp/x'))).code).toBe('UNSUPPORTED_FEATURE');
    expect((await rejected(storage.write(`${dir}/ends-with-slash/`, 'x'))).code).toBe('INVALID_INPUT');
  });

  it('never lists temp files of unfinished writes, and a directory is not an object', async () => {
    await storage.write(`${dir}/tmp/real.txt`, 'r');
    await fs.writeFile(`${dir}/tmp/${LOCAL_TEMP_PREFIX}${randomUUID()}`, 'partial');
    expect(await list(`${dir}/tmp/`)).toEqual([`${dir}/tmp/real.txt`]);
    await storage.delete(`${dir}/tmp`); // a directory: no-op
    expect(await storage.exists(`${dir}/tmp/real.txt`)).toBe(true);
    expect((await rejected(storage.read(`${dir}/tmp`))).code).toBe('NOT_FOUND');
  });

  it('creates missing parent directories for every kind of write', async () => {
    await storage.writeIfAbsent(`${dir}/deep/a/b/c/v1.metadata.json`, '{}');
    await storage.writeStream(`${dir}/deep/x/y/z.bin`, (async function* () {
      yield new Uint8Array([1, 2]);
    })());
    expect(await list(`${dir}/deep/`)).toEqual([`${dir}/deep/a/b/c/v1.metadata.json`, `${dir}/deep/x/y/z.bin`]);
  });
});

describe('LocalStorage atomic create across OS processes', () => {
  let build: string;

  beforeAll(() => {
    build = compileForChildren();
  }, 120_000);
  afterAll(async () => {
    await fs.rm(build, { recursive: true, force: true });
  });

  it('6 processes racing writeIfAbsent on 40 keys: exactly one winner per key', { timeout: 120_000 }, async () => {
    const module = path.join(build, 'src', 'storage', 'local.js');
    await fs.access(module); // the compile above must have produced it
    const raceDir = `${dir}/race-${randomUUID()}`;
    const go = `${raceDir}.go`;
    const keys = 40;
    const child = `
      import { existsSync } from 'node:fs';
      import { LocalStorage } from ${JSON.stringify(module)};
      const [dir, id, keys, go] = process.argv.slice(1); // node -e: the script has no argv entry
      const s = new LocalStorage();
      ${awaitStartLine('go')}
      const results = await Promise.all(Array.from({ length: Number(keys) }, async (_, k) => {
        try { await s.writeIfAbsent(dir + '/key-' + k + '/v1.metadata.json', id); return 'won'; }
        catch (e) { return e.code ?? String(e); }
      }));
      process.stdout.write(JSON.stringify(results) + '\\n');
    `;
    const argLists = Array.from({ length: 6 }, (_, i) => [raceDir, `proc-${i}`, String(keys), go]);
    const results = await raceProcesses<string[]>(child, argLists, go);

    for (let k = 0; k < keys; k++) {
      const outcomes = results.map((r) => r[k]);
      const winners = outcomes.flatMap((o, i) => (o === 'won' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'ALREADY_EXISTS')).toHaveLength(5);
      expect(dec.decode(await storage.read(`${raceDir}/key-${k}/v1.metadata.json`))).toBe(`proc-${winners[0]}`);
      expect((await fs.readdir(`${raceDir}/key-${k}`)).filter((n) => n.startsWith(LOCAL_TEMP_PREFIX))).toEqual([]);
    }
  });
});
