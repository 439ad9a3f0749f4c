import pg from 'pg';
import { connectDatabase, type Database } from '../../src/core/db/database.ts';
import { applyMigrations } from '../../src/core/db/migrations.ts';
import { migratedSnapshot } from './pglite-snapshot.ts';

export interface TestDatabase {
  readonly database: Database;
  /** The URL the database was opened with (a PostgreSQL URL, or `memory://`). */
  readonly url: string;
  /** Closes the connection and drops the database. */
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: an in-memory PGlite, or, when `TEST_DATABASE_URL` is set,
 * a new PostgreSQL database created beside the one that URL names (and dropped afterwards).
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const migrate = options.migrate ?? true;
    const snapshot = migrate ? await migratedSnapshot() : undefined;
    const database = await connectDatabase({ url: 'memory://', ...(snapshot && { snapshot }) });
    // Without the run's snapshot (a file run outside Vitest's global setup), migrate as before.
    if (migrate && !snapshot) await applyMigrations(database);
    return { database, url: 'memory://', destroy: () => database.close() };
  }
  const name = `bulwark_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await connectDatabase({ url: url.toString(), poolSize: 5 });
  if (options.migrate ?? true) await applyMigrations(database);
  return {
    database,
    url: url.toString(),
    async destroy() {
      await database.close();
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
