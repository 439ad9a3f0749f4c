import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCreate, type AdminInput } from '../../src/cli/admin.ts';
import { connectDatabase, type Database } from '../../src/core/db/database.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { createPasswordHasher } from '../../src/core/passwords/password-hasher.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { QUICK_AUTH_ENV } from '../helpers/app.ts';

// PGlite: a data directory of our own (the command migrates it). PostgreSQL: a fresh test database.
const postgres = Boolean(process.env.TEST_DATABASE_URL);
let dataDir: string;
let pgDatabase: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-admin-cli-'));
  pgDatabase = postgres ? await createTestDatabase({ migrate: false }) : undefined;
  env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ...QUICK_AUTH_ENV,
    ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}),
  };
});
afterAll(async () => {
  await pgDatabase?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** Opens the database the command wrote to, after it closed it (PGlite allows one user at a time). */
async function withDatabase<T>(use: (database: Database) => Promise<T>): Promise<T> {
  if (pgDatabase) return use(pgDatabase.database);
  const database = await connectDatabase({ url: path.join(dataDir, 'pglite') });
  try {
    return await use(database);
  } finally {
    await database.close();
  }
}

const sink = () => {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
};

async function run(argv: string[], stdin: AdminInput = Readable.from([])) {
  const stdout = sink();
  const stderr = sink();
  const code = await adminCreate(argv, { stdin, stdout, stderr, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const piped = (text: string) => Readable.from([Buffer.from(text)]);
const PASSWORD = 'An-admin-passphrase-42';
const rowOf = (email: string) =>
  withDatabase(
    async (d) =>
      (
        await d.db
          .select()
          .from(accounts)
          .where(sql`lower(${accounts.email}) = lower(${email})`)
      )[0],
  );

describe('bulwark admin create', () => {
  it('creates an admin with an argon2id hash of the first line of standard input', async () => {
    const res = await run(
      ['--email', 'Root@Example.com', '--name', 'Root'],
      piped(`${PASSWORD}\r\nsecond line\n`),
    );
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^Created admin account [0-9a-f-]{36} for Root@Example\.com\.\n$/);
    expect(res.stdout).not.toContain(PASSWORD);
    const row = await rowOf('root@example.com');
    expect(row).toMatchObject({
      email: 'Root@Example.com',
      name: 'Root',
      roles: ['admin', 'user'],
      isActive: true,
      emailVerified: true,
    });
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect((await createPasswordHasher().verify(row!.passwordHash!, PASSWORD)).ok).toBe(true);
  });

  it('refuses an email that exists (any case) unless --promote', async () => {
    const res = await run(['--email', 'ROOT@example.com'], piped(`${PASSWORD}\n`));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^bulwark: .*exists; pass --promote/);
  });

  it('--promote makes an existing account an admin, keeping its password, and refuses its old tokens', async () => {
    const email = 'plain@example.com';
    expect((await run(['--email', email], piped(`${PASSWORD}\n`))).code).toBe(0);
    await withDatabase((d) =>
      d.db
        .update(accounts)
        .set({ roles: ['user'] })
        .where(eq(accounts.email, email)),
    );
    const before = (await rowOf(email))!;
    const res = await run(['--email', email, '--promote'], piped('ignored, no password is read\n'));
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/is now an admin/);
    const after = (await rowOf(email))!;
    expect(after.roles).toEqual(['admin', 'user']);
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.tokensValidAfter.getTime()).toBeGreaterThan(before.tokensValidAfter.getTime());
    expect((await run(['--email', email, '--promote'])).stdout).toMatch(/already an admin/);
  });

  it.each([
    ['an empty standard input', ''],
    ['an empty first line', '\nsecond\n'],
    ['a password the policy refuses', 'password\n'],
  ])('refuses %s and creates nothing', async (_name, input) => {
    const res = await run(['--email', 'nobody@example.com'], piped(input));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^bulwark: /);
    expect(await rowOf('nobody@example.com')).toBeUndefined();
  });

  it.each([
    [[], /needs --email/],
    [['--email', 'not-an-email'], /not an email address/],
  ])('refuses the arguments %j: exit 2', async (argv, message) => {
    const res = await run(argv);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it('refuses a password given as an argument', async () => {
    await expect(run(['--email', 'x@example.com', '--password', PASSWORD])).rejects.toMatchObject({
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    });
  });

  it('on a terminal: prompts twice without echo, honouring backspace', async () => {
    const tty = fakeTerminal(['An-admin-passphrase-4X\u007f2\r', 'An-admin-', 'passphrase-42\r']);
    const res = await run(['--email', 'typed@example.com'], tty);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('Password for the new admin: ');
    expect(res.stderr).toContain('Repeat it: ');
    expect(res.stderr + res.stdout).not.toContain('passphrase');
    expect(tty.rawModes).toEqual([true, false, true, false]);
    const row = await rowOf('typed@example.com');
    expect((await createPasswordHasher().verify(row!.passwordHash!, PASSWORD)).ok).toBe(true);
  });

  it('on a terminal: refuses two different passwords', async () => {
    const res = await run(
      ['--email', 'typo@example.com'],
      fakeTerminal(['An-admin-passphrase-42\r', 'An-admin-passphrase-43\r']),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/bulwark: the two passwords differ/);
    expect(await rowOf('typo@example.com')).toBeUndefined();
  });
});

/** A stand-in for a TTY on standard input: "types" the chunks one by one while someone listens. */
function fakeTerminal(chunks: string[]): AdminInput & { rawModes: boolean[] } {
  const emitter = new EventEmitter();
  const rawModes: boolean[] = [];
  const queue = [...chunks];
  const type = () =>
    setImmediate(() => {
      if (emitter.listenerCount('data') === 0 || queue.length === 0) return;
      emitter.emit('data', queue.shift());
      type();
    });
  return {
    isTTY: true,
    rawModes,
    setRawMode(mode: boolean) {
      rawModes.push(mode);
    },
    on(event: 'data', listener: (chunk: string | Buffer) => void) {
      emitter.on(event, listener);
      type();
      return this;
    },
    removeListener(event: 'data', listener: (chunk: string | Buffer) => void) {
      emitter.removeListener(event, listener);
      return this;
    },
    async *[Symbol.asyncIterator]() {
      // A terminal is read through 'data' events only.
    },
  };
}
