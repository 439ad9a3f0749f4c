// `bulwark audit verify` as an operator runs it: a real process on the same database, exit codes and output.
import { sql } from 'drizzle-orm';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/core/db/database.ts';
import { applyMigrations } from '../../src/core/db/migrations.ts';
import { appendAudit } from '../../src/modules/audit/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { bulwark, removeTempDirs, tempDir } from '../e2e/helpers.ts';
import { bypassingTrigger } from './helpers.ts';

const postgres = process.env.TEST_DATABASE_URL;
let pg: TestDatabase | undefined;
afterAll(async () => {
  await pg?.destroy();
  await removeTempDirs();
});

it('exits 0 on an intact chain, and 1 naming the first row edited in SQL', async () => {
  // PGlite allows one process at a time: open, work, close, then let the CLI in.
  const dataDir = await tempDir();
  let env: Record<string, string>;
  let open: () => Promise<Database>;
  if (postgres) {
    pg = await createTestDatabase();
    env = { DATABASE_URL: pg.url };
    open = async () => pg!.database;
  } else {
    env = { DATA_DIR: dataDir };
    open = () => connectDatabase({ url: path.join(dataDir, 'pglite') });
  }
  const close = (db: Database) => (postgres ? Promise.resolve() : db.close());

  let database = await open();
  await applyMigrations(database);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const row = await database.db.transaction((tx) =>
      appendAudit(tx, {
        action: 'certificate.issued',
        target: `certificate:${i}`,
        actorId: null,
        requestId: `req-${i}`,
        ip: null,
        details: { n: i },
      }),
    );
    ids.push(row.id);
  }
  await close(database);

  const intact = await bulwark(['audit', 'verify'], env);
  expect(intact.code, intact.stderr).toBe(0);
  expect(intact.stdout).toMatch(/audit chain intact: 4 row\(s\); head 4 [0-9a-f]{64}/);

  database = await open();
  await bypassingTrigger(database.db, sql`update audit_log set ip = '198.51.100.1' where seq = 3`);
  await close(database);

  const broken = await bulwark(['audit', 'verify'], env);
  expect(broken.code).toBe(1);
  expect(broken.stdout).toContain(`BROKEN at row 3 (id ${ids[2]})`);
  expect(broken.stdout).toContain('the content does not match its hash');
}, 120_000);
