// `bulwark accounts import` against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import { readFile } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { createPasswordHasher } from '../../src/core/passwords/password-hasher.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  accountRow,
  allAccounts,
  BCRYPT,
  BCRYPT_2,
  counts,
  importLines,
  jsonLine,
  runImport,
  scratchDir,
} from './helpers.ts';

let tdb: TestDatabase;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  tdb = await createTestDatabase();
  scratch = await scratchDir();
});
afterAll(async () => {
  await tdb?.destroy();
  await scratch?.cleanup();
});
const db = () => tdb.database;

describe('bulwark accounts import', () => {
  it('inserts valid lines with their fields, keeping the foreign hash as it is', async () => {
    const res = await importLines(db(), scratch.file('valid.jsonl'), [
      jsonLine({
        email: 'Ada@Example.com',
        name: 'Ada',
        roles: ['user', 'admin'],
        created_at: '2019-05-01T08:00:00.5+02:00',
        email_verified: true,
      }),
      jsonLine({ email: 'grace@example.com' }),
    ]);
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(counts(res.stdout)).toEqual({ inserted: 2, updated: 0, unchanged: 0, kept: 0, rejected: 0 });
    expect(await accountRow(db(), 'ada@example.com')).toMatchObject({
      email: 'Ada@Example.com',
      name: 'Ada',
      roles: ['admin', 'user'],
      createdAt: new Date('2019-05-01T06:00:00.500Z'),
      emailVerified: true,
      isActive: true,
      passwordHash: BCRYPT,
    });
    expect(await accountRow(db(), 'grace@example.com')).toMatchObject({
      name: null,
      roles: ['user'],
      emailVerified: false,
    });
  });

  it('reads the Python exports: hashed_password (FastAPI), password_hash (Flask), first/last/full names', async () => {
    const res = await importLines(db(), scratch.file('python.jsonl'), [
      JSON.stringify({ email: 'fastapi@example.com', hashed_password: BCRYPT, full_name: 'Fast Api' }),
      JSON.stringify({
        email: 'flask@example.com',
        password_hash: BCRYPT_2,
        first_name: 'Fla',
        last_name: 'Sk',
      }),
    ]);
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(counts(res.stdout)).toMatchObject({ inserted: 2, rejected: 0 });
    expect(await accountRow(db(), 'fastapi@example.com')).toMatchObject({
      name: 'Fast Api',
      firstName: null,
      passwordHash: BCRYPT,
    });
    expect(await accountRow(db(), 'flask@example.com')).toMatchObject({
      name: 'Fla Sk',
      firstName: 'Fla',
      lastName: 'Sk',
      passwordHash: BCRYPT_2,
    });
    // Again with a new last name: updated, the rest kept.
    const again = await importLines(db(), scratch.file('python2.jsonl'), [
      JSON.stringify({
        email: 'flask@example.com',
        password_hash: BCRYPT_2,
        first_name: 'Fla',
        last_name: 'Skk',
      }),
    ]);
    expect(counts(again.stdout)).toMatchObject({ updated: 1 });
    expect(await accountRow(db(), 'flask@example.com')).toMatchObject({
      name: 'Fla Skk',
      firstName: 'Fla',
      lastName: 'Skk',
    });
  });

  it('reports every malformed line with its number and reason, and changes nothing', async () => {
    const before = await allAccounts(db());
    const bad = [
      '',
      'not json',
      jsonLine({}),
      jsonLine({ email: 'nope' }),
      jsonLine({ email: 'r@example.com', roles: ['root'] }),
      jsonLine({ email: 'h@example.com', password_hash: '$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0' }),
      jsonLine({ email: 'f@example.com', created_at: '2999-01-01T00:00:00Z' }),
      jsonLine({ email: 'n@example.com', name: 'x'.repeat(201) }),
      jsonLine({ email: `${'l'.repeat(250)}@example.com` }),
      jsonLine({ email: 'v@example.com', email_verified: 'yes' }),
      '   ',
    ];
    const res = await importLines(db(), scratch.file('bad.jsonl'), bad);
    // Rejected lines: a non-zero exit, and still the whole summary.
    expect(res.code).toBe(3);
    expect(counts(res.stdout)).toMatchObject({ inserted: 0, updated: 0, unchanged: 0, rejected: bad.length });
    const reported = res.stdout.split('\n').filter((l) => l.startsWith('  line '));
    expect(reported).toEqual([
      '  line 1: blank line',
      '  line 2: not valid JSON',
      '  line 3: email is required',
      '  line 4: email is not a valid address',
      '  line 5: unknown role "root" (roles are "admin" and "user")',
      expect.stringMatching(/^ {2}line 6: password_hash is not a supported format/),
      '  line 7: created_at is in the future',
      '  line 8: name is longer than 200 characters',
      '  line 9: email is longer than 254 characters',
      '  line 10: email_verified must be true or false',
      '  line 11: blank line',
    ]);
    expect(await allAccounts(db())).toEqual(before);
  });

  it('is idempotent: the same file again changes nothing, not even updated_at', async () => {
    const lines = Array.from({ length: 50 }, (_, i) =>
      jsonLine({
        email: `idem${i}@example.com`,
        name: `Idem ${i}`,
        created_at: '2020-01-01T00:00:00.123456Z',
      }),
    );
    const first = await importLines(db(), scratch.file('idem.jsonl'), lines, ['--batch-size', '7']);
    expect(counts(first.stdout)).toEqual({ inserted: 50, updated: 0, unchanged: 0, kept: 0, rejected: 0 });
    const before = await allAccounts(db());
    const second = await runImport(db(), [scratch.file('idem.jsonl'), '--batch-size', '13']);
    expect(counts(second.stdout)).toEqual({ inserted: 0, updated: 0, unchanged: 50, kept: 0, rejected: 0 });
    expect(await allAccounts(db())).toEqual(before);
  });

  it('upserts by email case-insensitively; absent fields keep their value; new roles refuse old tokens', async () => {
    const file = scratch.file('case.jsonl');
    await importLines(db(), file, [jsonLine({ email: 'Carol@Example.com', name: 'Carol', roles: ['user'] })]);
    const before = (await accountRow(db(), 'carol@example.com'))!;
    const res = await importLines(db(), file, [
      jsonLine({ email: 'CAROL@example.COM', password_hash: BCRYPT_2, roles: ['admin', 'user'] }),
    ]);
    expect(counts(res.stdout)).toMatchObject({ inserted: 0, updated: 1 });
    const after = (await accountRow(db(), 'carol@example.com'))!;
    expect(after).toMatchObject({
      id: before.id,
      email: 'Carol@Example.com',
      name: 'Carol',
      passwordHash: BCRYPT_2,
    });
    expect(after.roles).toEqual(['admin', 'user']);
    expect(after.tokensValidAfter.getTime()).toBeGreaterThan(before.tokensValidAfter.getTime());
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
  });

  it('keeps an account whose password was set in Bulwark, or that has none', async () => {
    const argon2 = await createPasswordHasher({ memoryCost: 1024, timeCost: 1 }).hash('a-passphrase-42');
    await db()
      .db.insert(accounts)
      .values([
        { id: newId(), email: 'own@example.com', name: 'Own', passwordHash: argon2 },
        { id: newId(), email: 'oidc@example.com', name: 'Oidc', passwordHash: null },
      ]);
    const res = await importLines(db(), scratch.file('kept.jsonl'), [
      jsonLine({ email: 'new@example.com' }),
      jsonLine({ email: 'OWN@example.com', name: 'Imported', roles: ['admin'] }),
      jsonLine({ email: 'oidc@example.com' }),
    ]);
    expect(counts(res.stdout)).toEqual({ inserted: 1, updated: 0, unchanged: 0, kept: 2, rejected: 0 });
    expect(res.stdout).toMatch(
      /Kept accounts \(not overwritten\):\n {2}line 2: kept as it is: .*\n {2}line 3: /,
    );
    expect(await accountRow(db(), 'own@example.com')).toMatchObject({
      name: 'Own',
      roles: ['user'],
      passwordHash: argon2,
    });
    expect((await accountRow(db(), 'oidc@example.com'))?.passwordHash).toBeNull();
  });

  it('refuses a second line with an email already read, whatever the batches: the first one wins', async () => {
    const res = await importLines(
      db(),
      scratch.file('dups.jsonl'),
      [
        jsonLine({ email: 'dup@example.com', name: 'First' }),
        jsonLine({ email: 'other@example.com' }),
        jsonLine({ email: 'other2@example.com' }),
        jsonLine({ email: 'DUP@example.com', name: 'Second' }),
      ],
      ['--batch-size', '2'],
    );
    expect(res.code).toBe(3);
    expect(counts(res.stdout)).toMatchObject({ inserted: 3, rejected: 1 });
    expect(res.stdout).toContain('  line 4: duplicate: the same email is on line 1');
    expect((await accountRow(db(), 'dup@example.com'))?.name).toBe('First');
  });

  it('reads standard input with -, writes every rejection with --rejects, and shows the first 100', async () => {
    const lines = [jsonLine({ email: 'stdin@example.com' }), ...Array.from({ length: 120 }, () => 'junk')];
    const rejects = scratch.file('rejects.jsonl');
    const res = await runImport(db(), ['-', '--rejects', rejects], `${lines.join('\r\n')}\r\n`);
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/^Imported standard input in [\d.]+ s: 121 lines read\./);
    expect(res.stdout).toContain(`Rejected lines (the first 100 of 120; all are in ${rejects}):`);
    expect(res.stdout).toContain('  line 101: not valid JSON');
    expect(res.stdout).not.toContain('  line 102:');
    const written = (await readFile(rejects, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(written).toHaveLength(120);
    expect(written[119]).toEqual({ line: 121, reason: 'not valid JSON' });
    expect(await accountRow(db(), 'stdin@example.com')).toBeDefined();
  });

  it('--dry-run validates without writing', async () => {
    const res = await importLines(
      db(),
      scratch.file('dry.jsonl'),
      [jsonLine({ email: 'dry@example.com' }), 'junk'],
      ['--dry-run'],
    );
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/dry run, nothing written\): 2 lines, 1 valid, 1 rejected/);
    expect(await accountRow(db(), 'dry@example.com')).toBeUndefined();
  });

  it('never prints a hash', async () => {
    const res = await importLines(db(), scratch.file('secret.jsonl'), [
      JSON.stringify({ email: 'x@example.com', password_hash: `${BCRYPT}x`, [BCRYPT]: BCRYPT }),
      jsonLine({ email: 'x2@example.com', roles: [BCRYPT] }),
    ]);
    expect(res.stdout + res.stderr).not.toContain('$2b$');
  });

  it.each([
    [[], /takes one FILE/],
    [['a.jsonl', 'b.jsonl'], /takes one FILE/],
    [['a.jsonl', '--batch-size', '0'], /--batch-size takes/],
    [['a.jsonl', '--password', 'x'], /Unknown option/],
  ])('exits 2 on the usage error %j', async (argv, message) => {
    const res = await runImport(db(), argv);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toContain('Usage: bulwark accounts import');
  });

  it('exits 1 when the file cannot be read', async () => {
    const res = await runImport(db(), [scratch.file('missing.jsonl')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^bulwark: the import of .*missing\.jsonl stopped: ENOENT/);
  });

  it('exits 1 on a database error, and says that running it again is safe', async () => {
    // A database without the tables: the first batch fails.
    const unmigrated = await createTestDatabase({ migrate: false });
    const res = await importLines(unmigrated.database, scratch.file('nodb.jsonl'), [
      jsonLine({ email: 'z@example.com' }),
    ]);
    await unmigrated.destroy();
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/stopped: .*accounts/);
    expect(res.stderr).toMatch(/running the import again is safe/);
  });

  it('leaves a deleted account (tombstone) alone and creates a new one for its old address', async () => {
    const id = newId();
    await db().db.insert(accounts).values({ id, email: null, passwordHash: null, deletedAt: new Date() });
    const res = await importLines(db(), scratch.file('tomb.jsonl'), [
      jsonLine({ email: 'gone@example.com' }),
    ]);
    expect(counts(res.stdout)).toMatchObject({ inserted: 1 });
    expect((await db().db.select().from(accounts).where(eq(accounts.id, id)))[0]?.email).toBeNull();
  });
});
