// `bulwark keys rotate-master` covers everything sealed under the master key, not only the CA data keys: the
// access-token signing keys (and webhook secrets) are resealed too, and while it runs an instance started with
// MASTER_KEY (new) and MASTER_KEY_PREVIOUS (old) opens what is still under the old key.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { rotateMaster } from '../../src/cli/ca.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { createSecretBox } from '../../src/core/crypto/secret-box.ts';
import { applyMigrations } from '../../src/core/db/migrations.ts';
import { signingKeys } from '../../src/db/schema/signing-keys.ts';
import { openDatabase } from '../../src/server.ts';
import type { TestApp } from '../helpers/app.ts';
import { QUICK_AUTH_ENV } from '../helpers/app.ts';
import { bearer, passwordGrant, signUp, type TestUser } from '../helpers/auth.ts';
import type { TestDatabase } from '../helpers/db.ts';

let dir: string;
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const env = (keys: { MASTER_KEY: string; MASTER_KEY_PREVIOUS?: string }) => ({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DATA_DIR: dir,
  ...QUICK_AUTH_ENV,
  ...keys,
});

/** The real app on the suite's database (PGlite in DATA_DIR, as the CLI opens it) with the given keys. */
async function withApp<T>(
  keys: { MASTER_KEY: string; MASTER_KEY_PREVIOUS?: string },
  fn: (t: TestApp) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env(keys));
  const database = await openDatabase(config);
  try {
    await applyMigrations(database);
    const app = await buildApp({
      config,
      database,
      masterKey: Buffer.from(keys.MASTER_KEY, 'base64'),
      startWorker: false,
    });
    await app.ready();
    try {
      const db = { database } as unknown as TestDatabase;
      return await fn({ app, config, db, close: async () => undefined });
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

const opens = (key: string, sealed: string) => {
  try {
    createSecretBox(Buffer.from(key, 'base64'), 'signing-keys').open(sealed);
    return true;
  } catch {
    return false;
  }
};

const sealedSigningKeys = () =>
  withApp({ MASTER_KEY: k2, MASTER_KEY_PREVIOUS: k1 }, async (t) =>
    (await t.db.database.db.select().from(signingKeys)).map((r) => r.privateKeyEncrypted),
  );

let user: TestUser;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-rotate-'));
  user = await withApp({ MASTER_KEY: k1 }, (t) => signUp(t));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bulwark keys rotate-master and the token signing keys', () => {
  it('during the rotation, an instance with both keys signs tokens with a key sealed under the old one', async () => {
    const sealed = await sealedSigningKeys();
    expect(sealed.length).toBeGreaterThan(0);
    expect(sealed.every((s) => opens(k1, s) && !opens(k2, s))).toBe(true);
    await withApp({ MASTER_KEY: k2, MASTER_KEY_PREVIOUS: k1 }, async (t) => {
      const { accessToken } = await passwordGrant(t, user.email);
      const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(accessToken) });
      expect(me.statusCode).toBe(200);
    });
  });

  it('reseals every signing key under the new key; the new key alone then signs, old tokens still verify', async () => {
    const lines: string[] = [];
    expect(await rotateMaster((l) => lines.push(l), env({ MASTER_KEY: k2, MASTER_KEY_PREVIOUS: k1 }))).toBe(
      0,
    );
    expect(lines.at(-1)).toMatch(/resealed 1 token signing key/);
    const sealed = await sealedSigningKeys();
    expect(sealed.every((s) => opens(k2, s) && !opens(k1, s))).toBe(true);

    await withApp({ MASTER_KEY: k2 }, async (t) => {
      const old = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: user.headers });
      expect(old.statusCode).toBe(200);
      const { accessToken } = await passwordGrant(t, user.email);
      const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(accessToken) });
      expect(me.statusCode).toBe(200);
    });

    // Idempotent: a second run finds nothing left under the old key.
    expect(await rotateMaster((l) => lines.push(l), env({ MASTER_KEY: k2, MASTER_KEY_PREVIOUS: k1 }))).toBe(
      0,
    );
    expect(lines.at(-1)).toMatch(/resealed 0 token signing key/);
  });
});
