// Housekeeping: the periodic purge of ended rows, once per interval across instances; and /metrics
// counting the jobs table at most once per JOB_COUNTS_TTL_MS, whatever the scrape rate.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { enqueue } from '../../src/core/jobs/queue.ts';
import { HOUSEKEEPING_QUEUE } from '../../src/core/jobs/housekeeping.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const DAY = 86_400;
let db: TestDatabase;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: '/nonexistent',
    HOUSEKEEPING_INTERVAL: '1h',
    RETENTION_JOBS: '7d',
    RETENTION_SESSIONS: '30d',
    RETENTION_TOKENS: '7d',
    SESSION_IDLE_TIMEOUT: '2h',
  });
  // Two instances on one database.
  for (let i = 0; i < 2; i++) {
    const app = await buildApp({
      config,
      database: db.database,
      masterKey: randomBytes(32),
      startWorker: false,
    });
    await app.ready();
    apps.push(app);
  }
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await db?.destroy();
});

const q = <T>(text: string, params: unknown[] = []) => db.database.query<T>(text, params);
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
const ahead = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

/** Rows of each table, named by the label each test row carries. */
async function seed(): Promise<void> {
  const account = randomUUID();
  await q(`insert into accounts (id, email) values ($1, $2)`, [account, `hk-${account}@example.com`]);
  const session = async (label: string, kind: string, fields: Record<string, string | null>) => {
    await q(
      `insert into sessions (id, account_id, kind, user_agent, expires_at, revoked_at, last_used_at)
       values ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()))`,
      [
        randomUUID(),
        account,
        kind,
        label,
        fields.expires ?? ahead(DAY),
        fields.revoked ?? null,
        fields.used ?? null,
      ],
    );
  };
  await session('live', 'token', {});
  await session('revoked-31d', 'token', { revoked: ago(31 * DAY) });
  await session('revoked-1d', 'token', { revoked: ago(DAY) });
  await session('expired-31d', 'token', { expires: ago(31 * DAY) });
  await session('idle-cookie-31d', 'cookie', { used: ago(31 * DAY) });
  await session('used-cookie', 'cookie', { used: ago(60) });

  const [live] = await q<{ id: string }>(`select id from sessions where user_agent = 'live'`);
  const refresh = (label: string, expires: string, used: string | null) =>
    q(
      `insert into refresh_tokens (id, session_id, token_hash, expires_at, used_at) values ($1, $2, $3, $4, $5)`,
      [randomUUID(), live!.id, label, expires, used],
    );
  await refresh('rt-expired-8d', ago(8 * DAY), null);
  await refresh('rt-used-live', ahead(DAY), ago(8 * DAY)); // reuse detection needs it
  await refresh('rt-live', ahead(DAY), null);

  const token = (label: string, expires: string, used: string | null) =>
    q(
      `insert into account_tokens (id, account_id, purpose, token_hash, email, expires_at, used_at)
       values ($1, $2, 'password_reset', $3, 'x@example.com', $4, $5)`,
      [randomUUID(), account, label, expires, used],
    );
  await token('at-used-8d', ahead(DAY), ago(8 * DAY));
  await token('at-expired-8d', ago(8 * DAY), null);
  await token('at-used-1h', ahead(DAY), ago(3600));
  await token('at-live', ahead(DAY), null);

  const state = (label: string, expires: string) =>
    q(
      `insert into oauth_states (state_hash, provider, code_verifier, nonce, expires_at) values ($1, 'p', 'v', 'n', $2)`,
      [label, expires],
    );
  await state('st-expired-8d', ago(8 * DAY));
  await state('st-expired-1m', ago(60));

  const job = (label: string, status: string, finished: string | null) =>
    q(
      `insert into jobs (id, queue, payload, status, finished_at) values ($1, 'test.hk', $2::jsonb, $3, $4)`,
      [randomUUID(), JSON.stringify({ label }), status, finished],
    );
  await job('completed-8d', 'completed', ago(8 * DAY));
  await job('failed-8d', 'failed', ago(8 * DAY));
  await job('cancelled-8d', 'cancelled', ago(8 * DAY));
  await job('completed-1d', 'completed', ago(DAY));
  await job('queued', 'queued', null);
}

describe('housekeeping', () => {
  it('purges what ended longer ago than its retention, and keeps the rest', async () => {
    await seed();
    const deleted = await apps[0]!.ctx.housekeeping.runOnce();
    expect(deleted).toMatchObject({
      sessions: 3,
      refresh_tokens: 1,
      account_tokens: 2,
      oauth_states: 1,
      jobs: 3,
    });

    const labels = async (text: string) => (await q<{ l: string }>(text)).map((r) => r.l).sort();
    expect(await labels(`select user_agent as l from sessions`)).toEqual([
      'live',
      'revoked-1d',
      'used-cookie',
    ]);
    expect(await labels(`select token_hash as l from refresh_tokens`)).toEqual(['rt-live', 'rt-used-live']);
    expect(await labels(`select token_hash as l from account_tokens`)).toEqual(['at-live', 'at-used-1h']);
    expect(await labels(`select state_hash as l from oauth_states`)).toEqual(['st-expired-1m']);
    expect(await labels(`select payload->>'label' as l from jobs where queue = 'test.hk'`)).toEqual([
      'completed-1d',
      'queued',
    ]);
    // Control: a second run finds nothing more.
    expect(Object.values(await apps[0]!.ctx.housekeeping.runOnce()).every((n) => n === 0)).toBe(true);
  });

  it('is scheduled once per interval across instances, and runs as a job', async () => {
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    const now = Date.UTC(2030, 0, 1, 10, 30);
    const first = await Promise.all([a.ctx.housekeeping.schedule(now), b.ctx.housekeeping.schedule(now)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await b.ctx.worker.drain()).toBe(1);
    const [job] = await q<{ status: string; result: Record<string, number> }>(
      `select status, result from jobs where queue = $1`,
      [HOUSEKEEPING_QUEUE],
    );
    expect(job).toMatchObject({ status: 'completed', result: { sessions: 0, jobs: 0 } });
    // The same hour again, from either instance: nothing; the next hour: one more.
    expect(await a.ctx.housekeeping.schedule(now + 20 * 60_000)).toBe(false);
    expect(await b.ctx.housekeeping.schedule(now + 29 * 60_000)).toBe(false);
    expect(await b.ctx.housekeeping.schedule(now + 30 * 60_000)).toBe(true);
    expect(await a.ctx.housekeeping.schedule(now + 31 * 60_000)).toBe(false);
  });
});

describe('/metrics', () => {
  it('counts the jobs table at most once per scrape interval, not on every scrape', async () => {
    const gauge = async () => {
      const body = (await apps[1]!.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(/jobs\{queue="test.metrics-cache",status="queued"\} (\d+)/.exec(body)?.[1] ?? 0);
    };
    await enqueue(db.database.db, 'test.metrics-cache', {});
    expect(await gauge()).toBe(1);
    await enqueue(db.database.db, 'test.metrics-cache', {});
    // Within JOB_COUNTS_TTL_MS the scrape reuses the count: no query.
    expect(await gauge()).toBe(1);
  });
});
