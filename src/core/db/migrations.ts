import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../db/migrations', import.meta.url));
// Any constant works; all instances must agree so only one migrates at a time.
const MIGRATION_LOCK_ID = 727_274_001;

export interface MigrationStatus {
  readonly applied: number;
  readonly pending: number;
}

/** Applies pending migrations. On PostgreSQL an advisory lock makes concurrent instances wait their turn. */
export async function applyMigrations(database: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (database.driver === 'pglite' || !database.pool) {
    await migratePglite(database.db as unknown as PgliteDatabase, config);
    return;
  }
  const client = await database.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await migratePg(drizzlePg({ client }), config);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/** Compares the committed migrations with the ones recorded in the database. */
export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  let lastApplied = -Infinity;
  let applied = 0;
  try {
    const rows = await database.query<{ created_at: string | number; count: string | number }>(
      'select max(created_at) as created_at, count(*) as count from drizzle.__drizzle_migrations',
    );
    lastApplied = rows[0]?.created_at == null ? -Infinity : Number(rows[0].created_at);
    applied = Number(rows[0]?.count ?? 0);
  } catch (error) {
    // No migrations table yet: everything is pending. Anything else (database down) is the caller's problem.
    if (!/does not exist/.test(String((error as Error).message))) throw error;
  }
  const pending = files.filter((m) => m.folderMillis > lastApplied).length;
  return { applied, pending };
}
