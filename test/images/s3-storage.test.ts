import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.ts';
import { createS3Storage } from '../../src/core/storage/s3-storage.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp } from '../helpers/auth.ts';
import { gql } from '../graphql/helpers.ts';
import { multipart, png } from './fixtures.ts';

let server: S3rver;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-s3-'));
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'bulwark', configs: [] }],
  });
  const { port } = await server.run();
  env = {
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: 'bulwark',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('S3-compatible storage against a real server (s3rver)', () => {
  it('puts, stats, reads, streams and deletes blobs', async () => {
    const storage = createS3Storage(loadConfig(env).s3!);
    expect(await storage.stat('images/none')).toBeUndefined();
    expect(await storage.get('images/none')).toBeUndefined();
    expect(await storage.put('images/a', Buffer.from('hello'))).toEqual({ key: 'images/a', size: 5 });
    await storage.put('images/b', Readable.from([Buffer.from('str'), Buffer.from('eam')]));
    expect((await storage.get('images/b'))?.toString()).toBe('stream');
    expect(await storage.stat('images/a')).toEqual({ key: 'images/a', size: 5 });
    const stream = await storage.stream('images/a');
    expect(Buffer.concat(await stream!.toArray()).toString()).toBe('hello');
    expect(await storage.delete('images/a')).toBe(true);
    expect(await storage.delete('images/a')).toBe(false);
    await expect(storage.put('../escape', Buffer.from('x'))).rejects.toThrow(/Unsafe/);
  });

  it('the app stores and serves uploads there when S3_BUCKET is set', async () => {
    let t: TestApp | undefined;
    try {
      t = await buildTestApp({ ...QUICK_AUTH_ENV, ...env });
      const user = await signUp(t);
      const made = await gql(
        t,
        `mutation { createAnimal(input: { name: "Cloudy" }) { id } }`,
        {},
        user.headers,
      );
      const id = (made.data as any).createAnimal.id;
      const { body, contentType } = await multipart({
        file: { bytes: await png(8, 8), filename: 'c.png', type: 'image/png' },
      });
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/animals/${id}/images`,
        headers: { ...user.headers, 'content-type': contentType },
        payload: body,
      });
      expect(res.statusCode).toBe(201);
      const served = await t.app.inject({ method: 'GET', url: `/v1/images/${res.json().id}/thumbnail` });
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe('image/webp');
      const storage = createS3Storage(loadConfig(env).s3!);
      expect(await storage.stat(`images/${String(served.headers.etag).slice(1, -7)}.thumb`)).toBeDefined();
    } finally {
      await t?.close();
    }
  });
});
