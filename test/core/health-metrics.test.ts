import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { enqueue } from '../../src/core/jobs/queue.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/db.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('health', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with the database up and migrations applied', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('/readyz is 503 while migrations are pending', async () => {
    const db = await createTestDatabase({ migrate: false });
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const app = await buildApp({
      config,
      database: db.database,
      masterKey: randomBytes(32),
      startWorker: false,
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not_ready', checks: { database: 'ok', migrations: 'pending' } });
    } finally {
      await app.close();
      await db.destroy();
    }
  });

  it('/readyz is 503 when the database is down', async () => {
    const db = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const app = await buildApp({
      config,
      database: db.database,
      masterKey: randomBytes(32),
      startWorker: false,
    });
    try {
      await db.database.close();
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.database).toBe('down');
    } finally {
      await app.close();
      await db.destroy().catch(() => undefined);
    }
  });
});

describe('/metrics', () => {
  it('serves Prometheus text with per-route counters, latency histograms, pool, queue and event-loop gauges', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/no-such-route' });
    await enqueue(t.db.database.db, 'test.metrics', {});
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const body = res.body;
    expect(body).toMatch(/http_requests_total\{method="GET",route="\/healthz",status_code="200"\} [1-9]/);
    expect(body).toMatch(/http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1/);
    expect(body).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz"/);
    expect(body).toMatch(/db_pool_connections\{state="total"\} \d/);
    expect(body).toMatch(/jobs\{queue="test.metrics",status="queued"\} 1/);
    expect(body).toMatch(/nodejs_eventloop_lag_seconds \d/);
  });
});
