import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/core/config/config.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** Quick argon2 and no sign-in throttle, for suites that sign in (and fail credentials on purpose) often. */
export const QUICK_AUTH_ENV = { RATE_LIMIT: 'off', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

/**
 * Builds the app for a test without listening: its own database, its own storage directory, and the job
 * worker left stopped (tests call `app.ctx.worker.drain()`). `env` overrides configuration.
 */
export async function buildTestApp(
  env: Record<string, string> = {},
  extend?: (app: FastifyInstance) => Promise<void> | void,
): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-test-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env });
  const db = await createTestDatabase();
  const app = await buildApp({
    config,
    database: db.database,
    masterKey: randomBytes(32),
    startWorker: false,
    extend,
  });
  await app.ready();
  return {
    app,
    config,
    db,
    async close() {
      await app.close();
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
