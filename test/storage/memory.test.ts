/** Memory-store specifics: the process-wide registry, private registries, whole-store listings. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory.js';

async function list(s: MemoryStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of s.list(prefix)) out.push(o.location);
  return out;
}

describe('MemoryStorage', () => {
  it('instances share the process-wide registry; clear(store) drops one store', async () => {
    const store = `mem-${randomUUID()}`;
    const other = `mem-${randomUUID()}`;
    await new MemoryStorage().write(`memory://${store}/a/b`, 'x');
    await new MemoryStorage().write(`memory://${other}/c`, 'y');
    expect(await new MemoryStorage().exists(`memory://${store}/a/b`)).toBe(true);
    MemoryStorage.clear(store);
    expect(await new MemoryStorage().exists(`memory://${store}/a/b`)).toBe(false);
    expect(await new MemoryStorage().exists(`memory://${other}/c`)).toBe(true);
    MemoryStorage.clear(other);
  });

  it('a private registry is isolated from the shared one', async () => {
    const store = `mem-${randomUUID()}`;
    const priv = new MemoryStorage({ registry: new Map() });
    await priv.write(`memory://${store}/k`, 'p');
    expect(await new MemoryStorage().exists(`memory://${store}/k`)).toBe(false);
    expect(await priv.exists(`memory://${store}/k`)).toBe(true);
  });

  it('lists a whole store given as memory://store', async () => {
    const s = new MemoryStorage({ registry: new Map() });
    await s.write('memory://st/a/b', '1');
    await s.write('memory://st/c', '2');
    expect((await list(s, 'memory://st')).sort()).toEqual(['memory://st/a/b', 'memory://st/c']);
    expect((await list(s, 'memory://st/')).sort()).toEqual(['memory://st/a/b', 'memory://st/c']);
    expect(await list(s, 'memory://other/')).toEqual([]);
    expect(s.storeId('memory://st/a/b')).toBe('memory://st');
  });

  it('rejects keys that cannot be objects', async () => {
    const s = new MemoryStorage({ registry: new Map() });
    await expect(s.write('memory://st/dir/', 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(s.write('memory://st', 'x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
