import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/core/storage/local-storage.ts';
import type { BlobStorage } from '../../src/core/storage/storage.ts';

let root: string;
let storage: BlobStorage;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bulwark-storage-'));
  storage = createLocalStorage(root);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('local blob storage', () => {
  it('puts, stats, gets, streams and deletes', async () => {
    expect(await storage.put('images/a/b.bin', Buffer.from('hello'))).toEqual({
      key: 'images/a/b.bin',
      size: 5,
    });
    expect(await storage.stat('images/a/b.bin')).toEqual({ key: 'images/a/b.bin', size: 5 });
    expect((await storage.get('images/a/b.bin'))?.toString()).toBe('hello');
    expect(await text((await storage.stream('images/a/b.bin'))!)).toBe('hello');
    expect(await storage.delete('images/a/b.bin')).toBe(true);
    expect(await storage.delete('images/a/b.bin')).toBe(false);
    expect(await storage.get('images/a/b.bin')).toBeUndefined();
    expect(await storage.stream('images/a/b.bin')).toBeUndefined();
  });

  it('stores a stream and replaces an existing blob', async () => {
    await storage.put('models/m.onnx', Readable.from([Buffer.from('one'), Buffer.from('two')]));
    expect((await storage.get('models/m.onnx'))?.toString()).toBe('onetwo');
    await storage.put('models/m.onnx', Buffer.from('three'));
    expect((await storage.get('models/m.onnx'))?.toString()).toBe('three');
    expect((await readdir(path.join(root, 'models'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves nothing behind when a stream fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await expect(storage.put('broken/x.bin', failing)).rejects.toThrow('client went away');
    expect(await readdir(path.join(root, 'broken'))).toEqual([]);
  });

  it.each(['../escape', '/etc/passwd', 'a/../../b', 'a//b', '', 'a/./b', 'with space'])(
    'refuses the unsafe key %j',
    async (key) => {
      await expect(storage.put(key, Buffer.from('x'))).rejects.toThrow(/Unsafe storage key/);
      await expect(storage.get(key)).rejects.toThrow(/Unsafe storage key/);
    },
  );
});
