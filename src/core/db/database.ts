import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import * as schema from '../../db/schema/index.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Repositories take either the database or the caller's transaction. */
export type DbOrTx = Db | Tx;

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** A connected database: PostgreSQL through a pool, or the embedded PGlite. */
export interface Database {
  readonly db: Db;
  readonly driver: 'postgres' | 'pglite';
  /** Runs a raw query; used by the migration runner, the job queue and health checks. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  ping(): Promise<void>;
  poolStats(): PoolStats;
  close(): Promise<void>;
  /** For the PostgreSQL driver, the underlying pool (advisory locks need one connection). */
  readonly pool: pg.Pool | undefined;
}

export interface DatabaseOptions {
  /** `postgres://…` for PostgreSQL; `memory://` for an in-memory PGlite; otherwise a PGlite directory. */
  readonly url: string;
  readonly poolSize?: number;
  readonly applicationName?: string;
  /** PGlite only: start from this data directory tarball (`dumpDataDir`) instead of an empty cluster. */
  readonly snapshot?: Blob;
}

// Timestamps and bigints as JS values; numeric stays a string to keep its precision.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export async function connectDatabase(options: DatabaseOptions): Promise<Database> {
  if (/^postgres(ql)?:\/\//.test(options.url)) return connectPostgres(options);
  return connectPglite(options.url, options.snapshot);
}

async function connectPostgres(options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'bulwark',
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    pool,
    async query<T>(text: string, params?: unknown[]) {
      return (await pool.query(text, params)).rows as T[];
    },
    async ping() {
      await pool.query('select 1');
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

async function connectPglite(url: string, snapshot?: Blob): Promise<Database> {
  const dataDir = url === 'memory://' ? undefined : url.replace(/^file:\/\//, '');
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create({
    ...(dataDir && { dataDir }),
    ...(snapshot && { loadDataDir: snapshot }),
  });
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  let closed = false;
  return {
    db,
    driver: 'pglite',
    pool: undefined,
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query<T>(text, params)).rows;
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

/** Runs a raw statement on the database or a transaction and returns its rows (both drivers give `rows`). */
export async function executeRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}

/**
 * A statement built and prepared once per database handle, on first use. Drizzle otherwise builds the SQL
 * text on every call (a large share of a short query's cost), and a named statement is parsed by
 * PostgreSQL once per connection. For hot paths outside a transaction (prepared statements belong to a
 * `Db`, not to a `Tx`).
 * @example const findStmt = preparedPerDb((db) => db.select().from(t).where(eq(t.id, sql.placeholder('id'))).prepare('t_by_id'));
 */
export function preparedPerDb<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let statement = built.get(db);
    if (statement === undefined) built.set(db, (statement = build(db)));
    return statement;
  };
}
