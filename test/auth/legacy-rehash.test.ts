// Accounts imported with bcrypt/passlib/Werkzeug hashes sign in, and their hash becomes argon2id then.
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import type { TestApp } from '../helpers/app.ts';
import { basic, uniqueEmail } from '../helpers/auth.ts';
import { buildAuthApp } from './setup.ts';

interface Fixture {
  readonly id: string;
  readonly password: string;
  readonly wrongPassword: string;
  readonly hash: string;
}
const { fixtures } = JSON.parse(
  readFileSync(new URL('../fixtures/password-hashes/hashes.json', import.meta.url), 'utf8'),
) as { fixtures: Fixture[] };
const fixture = (id: string): Fixture => {
  const found = fixtures.find((f) => f.id === id);
  if (!found) throw new Error(`no fixture ${id}`);
  return found;
};

let t: TestApp;
beforeAll(async () => {
  t = await buildAuthApp();
});
afterAll(() => t?.close());

async function importAccount(hash: string): Promise<{ id: string; email: string }> {
  const id = newId();
  const email = uniqueEmail('imported');
  await t.db.database.db.insert(accounts).values({ id, email, passwordHash: hash });
  return { id, email };
}
const storedHash = async (id: string) =>
  (await t.db.database.db.select().from(accounts).where(eq(accounts.id, id)))[0]!.passwordHash!;

type Via = 'token' | 'login' | 'basic';
function signIn(via: Via, email: string, password: string) {
  switch (via) {
    case 'token':
      return t.app.inject({ method: 'POST', url: '/v1/auth/token', payload: { username: email, password } });
    case 'login':
      return t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
    case 'basic':
      return t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: basic(email, password) });
  }
}

describe('legacy hashes are rehashed to argon2id at the first successful sign-in', () => {
  it.each<[string, Via]>([
    ['bcrypt-2b', 'token'],
    ['bcrypt-2a', 'token'],
    ['passlib-bcrypt-2y', 'token'],
    ['flask-bcrypt', 'login'],
    ['passlib-pbkdf2-sha256', 'basic'],
    ['passlib-sha512-crypt', 'token'],
    ['werkzeug-pbkdf2-sha256', 'login'],
    ['werkzeug3-scrypt', 'basic'],
  ])('%s via %s', async (id, via) => {
    const { password, wrongPassword, hash } = fixture(id);
    const account = await importAccount(hash);

    expect((await signIn(via, account.email, wrongPassword)).statusCode).toBe(401);
    expect(await storedHash(account.id)).toBe(hash);

    expect((await signIn(via, account.email, password)).statusCode).toBe(200);
    const rehashed = await storedHash(account.id);
    expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);

    // The new hash works, and is not replaced again at the next sign-in.
    expect((await signIn(via, account.email, password)).statusCode).toBe(200);
    expect(await storedHash(account.id)).toBe(rehashed);
    expect((await signIn(via, account.email, wrongPassword)).statusCode).toBe(401);
  });

  it('a weaker argon2id hash is brought up to the configured parameters too', async () => {
    const strong = await buildAuthApp({ ARGON2_MEMORY_KIB: '2048', ARGON2_TIME_COST: '2' });
    try {
      const weak = await t.app.auth.rt.hasher.hash('a-g00d-passphrase');
      const id = newId();
      const email = uniqueEmail('weak');
      await strong.db.database.db.insert(accounts).values({ id, email, passwordHash: weak });
      const res = await strong.app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        payload: { username: email, password: 'a-g00d-passphrase' },
      });
      expect(res.statusCode).toBe(200);
      const [row] = await strong.db.database.db.select().from(accounts).where(eq(accounts.id, id));
      expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=2048,t=2,p=1\$/);
    } finally {
      await strong.close();
    }
  });
});
