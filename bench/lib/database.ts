import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase } from '../../src/core/db/database.ts';
import { applyMigrations } from '../../src/core/db/migrations.ts';
import { newId } from '../../src/core/ids.ts';
import { accounts, jobs } from '../../src/db/schema/index.ts';
import { createPasswordHasher } from '../../src/core/passwords/password-hasher.ts';
import type { Fixture } from '../scenarios/scenario.ts';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCH_DB = 'bulwark_bench';

export interface BenchDatabase {
  readonly url: string;
  readonly fixture: Fixture;
  readonly serverVersion: string;
  teardown(): Promise<void>;
}

/**
 * Without an override: drops and recreates `bulwark_bench` next to the admin database and drops it again
 * at the end. With `BENCH_DATABASE_URL`: uses that database as it is and removes only the row it added.
 * Either way the schema comes from Bulwark's own migrations; one `jobs` row is seeded to read, and one
 * active `user` account whose argon2id hash comes from Bulwark's `createPasswordHasher()` (default
 * parameters, as the servers use), to sign in with.
 */
export async function prepareDatabase(override: string | undefined): Promise<BenchDatabase> {
  let url = override;
  if (!url) {
    url = withDatabase(DEFAULT_ADMIN_URL, BENCH_DB);
    await admin(DEFAULT_ADMIN_URL, [
      `drop database if exists ${BENCH_DB} with (force)`,
      `create database ${BENCH_DB}`,
    ]);
  }
  const database = await connectDatabase({ url, poolSize: 1, applicationName: 'bulwark-bench-setup' });
  const jobId = newId();
  const password = randomBytes(18).toString('base64url');
  const account = {
    id: newId(),
    email: `bench-${randomBytes(4).toString('hex')}@bulwark.bench`,
    password,
    passwordHash: await createPasswordHasher().hash(password),
  };
  let serverVersion: string;
  try {
    await applyMigrations(database);
    await database.db.insert(jobs).values({
      id: jobId,
      queue: 'bench',
      payload: { purpose: 'benchmark fixture' },
      status: 'completed',
    });
    await database.db.insert(accounts).values({
      id: account.id,
      email: account.email,
      name: 'Bench User',
      passwordHash: account.passwordHash,
      roles: ['user'],
      emailVerified: true,
    });
    const [row] = await database.query<{ server_version: string }>('show server_version');
    serverVersion = row?.server_version ?? 'unknown';
  } finally {
    await database.close();
  }

  const benchUrl = url;
  return {
    url: benchUrl,
    fixture: { jobId, account },
    serverVersion,
    async teardown() {
      // Deleting the account cascades to its sessions, refresh tokens and API keys.
      if (override)
        await admin(benchUrl, [
          `delete from jobs where id = '${jobId}'`,
          `delete from certificates where owner_id = '${account.id}'`,
          `delete from accounts where id = '${account.id}'`,
        ]);
      else await admin(DEFAULT_ADMIN_URL, [`drop database if exists ${BENCH_DB} with (force)`]);
    },
  };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin(url: string, statements: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'bulwark-bench-setup' });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
