// A 20,000-line file through the real command, twice: every account in, then nothing changes.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { BCRYPT, counts, runImport, scratchDir } from './helpers.ts';

const LINES = 20_000;
let tdb: TestDatabase;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let file: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  scratch = await scratchDir();
  file = scratch.file('large.jsonl');
  const out = createWriteStream(file);
  for (let i = 0; i < LINES; i++) {
    const line = {
      email: `bulk${i}@example.com`,
      name: `Bulk ${i}`,
      password_hash: BCRYPT,
      email_verified: i % 2 === 0,
    };
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
});
afterAll(async () => {
  await tdb?.destroy();
  await scratch?.cleanup();
});

it(`imports ${LINES} lines, and the second run changes nothing`, { timeout: 240_000 }, async () => {
  const first = await runImport(tdb.database, [file]);
  expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
  expect(counts(first.stdout)).toEqual({ inserted: LINES, updated: 0, unchanged: 0, kept: 0, rejected: 0 });
  const [row] = await tdb.database.query<{ n: number; verified: number }>(
    'select count(*)::int as n, count(*) filter (where email_verified)::int as verified from accounts',
  );
  expect(row).toEqual({ n: LINES, verified: LINES / 2 });

  const second = await runImport(tdb.database, [file, '--batch-size', '3000']);
  expect(counts(second.stdout)).toEqual({ inserted: 0, updated: 0, unchanged: LINES, kept: 0, rejected: 0 });
});
