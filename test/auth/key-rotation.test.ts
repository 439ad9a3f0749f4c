// `bulwark keys rotate` on a live deployment: two instances on one database sign with the new key within
// 5 s, without a restart, and each verifies the other's tokens, old and new.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { rotateKeys } from '../../src/cli/keys.ts';
import { loadConfig, type Config } from '../../src/core/config/config.ts';
import { QUICK_AUTH_ENV } from '../helpers/app.ts';
import { PASSWORD, uniqueEmail } from '../helpers/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let dataDir: string;
let config: Config;
const instances: FastifyInstance[] = [];
const email = uniqueEmail('rotate');

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-rotate-'));
  const masterKey = randomBytes(32);
  config = loadConfig({
    ...QUICK_AUTH_ENV,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    MASTER_KEY: masterKey.toString('hex'),
  });
  for (let i = 0; i < 2; i++) {
    const app = await buildApp({ config, database: db.database, masterKey, startWorker: false });
    await app.ready();
    instances.push(app);
  }
  const res = await instances[0]!.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(201);
});
afterAll(async () => {
  for (const app of instances) await app.close();
  await db?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

async function tokenFrom(app: FastifyInstance): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grant_type: 'password', username: email, password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token as string;
}
const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const me = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

describe('bulwark keys rotate while instances run', () => {
  it('every instance signs with the new kid within 5 s; tokens of both keys verify on both', async () => {
    const [a, b] = instances as [FastifyInstance, FastifyInstance];
    const before = [await tokenFrom(a), await tokenFrom(b)];
    const oldKid = kidOf(before[0]!);
    expect(kidOf(before[1]!)).toBe(oldKid);

    const lines: string[] = [];
    const started = Date.now();
    const newKid = await rotateKeys(config, (line) => lines.push(line), db.database);
    expect(newKid).not.toBe(oldKid);
    expect(lines.join('\n')).toContain(newKid);

    const latest: Record<string, string> = {};
    for (;;) {
      latest.a = await tokenFrom(a);
      latest.b = await tokenFrom(b);
      if (kidOf(latest.a) === newKid && kidOf(latest.b) === newKid) break;
      expect(Date.now() - started, 'both instances sign with the new key within 5 s').toBeLessThan(5000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Date.now() - started).toBeLessThan(5000);

    // Cross-instance verification, new tokens and those signed before the rotation (still published).
    for (const token of [latest.a, latest.b, ...before]) {
      for (const app of [a, b]) expect((await me(app, token)).statusCode).toBe(200);
    }
    const jwks = (await b.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, newKid].sort());
  });
});
