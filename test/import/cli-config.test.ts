// Without a database handed in, the command opens the configured one (DATABASE_URL, else PGlite under
// DATA_DIR) and migrates it first, as `bulwark admin create` does.
import { Readable } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accountsImport } from '../../src/cli/import.ts';
import { connectDatabase } from '../../src/core/db/database.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { accountRow, counts, jsonLine, scratchDir } from './helpers.ts';

let pgDatabase: TestDatabase | undefined;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
beforeAll(async () => {
  scratch = await scratchDir();
  pgDatabase = process.env.TEST_DATABASE_URL ? await createTestDatabase({ migrate: false }) : undefined;
});
afterAll(async () => {
  await pgDatabase?.destroy();
  await scratch?.cleanup();
});

it('imports into the configured database, migrating it first', async () => {
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: scratch.dir,
    ...(pgDatabase ? { DATABASE_URL: pgDatabase.url } : {}),
  };
  const out: string[] = [];
  const code = await accountsImport(['-'], {
    stdin: Readable.from([Buffer.from(`${jsonLine({ email: 'configured@example.com' })}\n`)]),
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => out.push(chunk) },
    env,
  });
  expect(code, out.join('')).toBe(0);
  expect(counts(out.join(''))).toMatchObject({ inserted: 1 });
  // The command closed its connection; PGlite allows one user at a time, so open it only now.
  const database = pgDatabase?.database ?? (await connectDatabase({ url: path.join(scratch.dir, 'pglite') }));
  try {
    expect(await accountRow(database, 'configured@example.com')).toBeDefined();
  } finally {
    if (!pgDatabase) await database.close();
  }
});
