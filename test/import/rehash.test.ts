// Imported Python hashes sign in with the original password and become argon2id; a re-import then leaves
// those accounts alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fixtures from '../fixtures/password-hashes/hashes.json' with { type: 'json' };
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { accountRow, counts, importLines, scratchDir } from './helpers.ts';

let t: TestApp;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  t = await buildTestApp({ RATE_LIMIT: 'off', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' });
  scratch = await scratchDir();
});
afterAll(async () => {
  await t?.close();
  await scratch?.cleanup();
});

const emailOf = (id: string) => `${id}@legacy.example.com`;
const grant = (email: string, password: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grant_type: 'password', username: email, password },
  });

describe('after an import', () => {
  let file: string;
  beforeAll(async () => {
    file = scratch.file('legacy.jsonl');
    const lines = fixtures.fixtures.map((f) =>
      JSON.stringify({ email: emailOf(f.id), password_hash: f.hash }),
    );
    const res = await importLines(t.db.database, file, lines);
    expect(counts(res.stdout)).toMatchObject({ inserted: fixtures.fixtures.length, rejected: 0 });
  });

  it.each(fixtures.fixtures.map((f) => [f.id, f] as const))(
    '%s: the wrong password is refused, the original one signs in and the hash becomes argon2id',
    async (_id, fixture) => {
      const email = emailOf(fixture.id);
      expect((await grant(email, fixture.wrongPassword)).statusCode).toBe(401);
      expect((await accountRow(t.db.database, email))?.passwordHash).toBe(fixture.hash);
      const res = await grant(email, fixture.password);
      expect(res.statusCode, res.body).toBe(200);
      expect((await accountRow(t.db.database, email))?.passwordHash).toMatch(/^\$argon2id\$/);
      // And again, now against the argon2id hash.
      expect((await grant(email, fixture.password)).statusCode).toBe(200);
    },
  );

  it('a re-import of the same file keeps the accounts that signed in since', async () => {
    const res = await importLines(
      t.db.database,
      file,
      fixtures.fixtures.map((f) => JSON.stringify({ email: emailOf(f.id), password_hash: f.hash })),
    );
    expect(counts(res.stdout)).toMatchObject({ inserted: 0, updated: 0, kept: fixtures.fixtures.length });
    for (const fixture of fixtures.fixtures) {
      expect((await grant(emailOf(fixture.id), fixture.password)).statusCode).toBe(200);
    }
  });
});
