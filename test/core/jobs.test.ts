import { eq } from 'drizzle-orm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/core/db/database.ts';
import { applyMigrations } from '../../src/core/db/migrations.ts';
import { backoffMs, enqueue } from '../../src/core/jobs/queue.ts';
import { JobWorker } from '../../src/core/jobs/worker.ts';
import { jobs } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const logger = pino({ level: 'silent' });
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());
beforeEach(async () => {
  await t.database.db.delete(jobs);
});

const jobRow = async (id: string) => (await t.database.db.select().from(jobs).where(eq(jobs.id, id)))[0];

describe('enqueue', () => {
  it('exists only if the caller’s transaction commits (outbox)', async () => {
    await expect(
      t.database.db.transaction(async (tx) => {
        await enqueue(tx, 'test.rollback', { n: 1 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await t.database.db.select().from(jobs)).toHaveLength(0);

    const id = await t.database.db.transaction((tx) => enqueue(tx, 'test.commit', { n: 2 }));
    expect(id).toBeDefined();
    expect((await jobRow(id!))?.payload).toEqual({ n: 2 });
  });

  it('ignores a duplicate singleton while the first is pending', async () => {
    const first = await enqueue(t.database.db, 'test.single', {}, { singletonKey: 'k' });
    const second = await enqueue(t.database.db, 'test.single', {}, { singletonKey: 'k' });
    expect(first).toBeDefined();
    expect(second).toBeUndefined();
  });
});

describe('JobWorker', () => {
  it('runs a job once and stores its result and progress', async () => {
    const worker = new JobWorker(t.database, { pollMs: 60_000, logger });
    const seen: unknown[] = [];
    worker.register<{ n: number }>('test.double', async (job, ctx) => {
      seen.push(job.payload);
      await ctx.progress({ done: 1, total: 1 });
      return { doubled: job.payload.n * 2 };
    });
    const id = await enqueue(t.database.db, 'test.double', { n: 21 });
    expect(await worker.drain()).toBe(1);
    expect(await worker.drain()).toBe(0);
    expect(seen).toEqual([{ n: 21 }]);
    const row = await jobRow(id!);
    expect(row).toMatchObject({
      status: 'completed',
      result: { doubled: 42 },
      progress: { done: 1, total: 1 },
      attempts: 1,
    });
    expect(row?.finishedAt).toBeInstanceOf(Date);
  });

  it('retries with backoff, then marks the job failed with its error', async () => {
    const worker = new JobWorker(t.database, { pollMs: 60_000, logger });
    let calls = 0;
    worker.register('test.flaky', async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    const id = (await enqueue(t.database.db, 'test.flaky', {}, { maxAttempts: 2 }))!;
    await worker.drain();
    let row = await jobRow(id);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, lastError: 'boom 1' });
    expect(row!.runAt.getTime()).toBeGreaterThan(Date.now() + 400);
    // Not due yet: nothing runs.
    expect(await worker.drain()).toBe(0);

    await t.database.db
      .update(jobs)
      .set({ runAt: new Date(Date.now() - 1000) })
      .where(eq(jobs.id, id));
    await worker.drain();
    row = await jobRow(id);
    expect(row).toMatchObject({ status: 'failed', attempts: 2, lastError: 'boom 2' });
    expect(calls).toBe(2);
  });

  it('never runs a job twice when two workers compete', async () => {
    const counts = new Map<string, number>();
    const makeWorker = () => {
      const worker = new JobWorker(t.database, { pollMs: 60_000, logger, concurrency: 8 });
      worker.register<{ i: number }>('test.race', async (job) => {
        counts.set(job.id, (counts.get(job.id) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 5));
      });
      return worker;
    };
    const a = makeWorker();
    const b = makeWorker();
    for (let i = 0; i < 40; i++) await enqueue(t.database.db, 'test.race', { i });
    let ran = 0;
    for (let round = 0; round < 20 && ran < 40; round++) {
      const [x, y] = await Promise.all([a.drain(), b.drain()]);
      ran += x + y;
    }
    expect(ran).toBe(40);
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('takes over a job whose worker died, once its lease expired; the dead worker cannot complete it', async () => {
    let releaseStuck!: () => void;
    const stuck = new Promise<void>((r) => (releaseStuck = r));
    const dying = new JobWorker(t.database, { pollMs: 60_000, logger, leaseMs: 100 });
    dying.register('test.lease', () => stuck.then(() => 'from the dead worker'));
    const rescuer = new JobWorker(t.database, { pollMs: 60_000, logger, leaseMs: 60_000 });
    rescuer.register('test.lease', async () => 'from the rescuer');

    const id = (await enqueue(t.database.db, 'test.lease', {}))!;
    const dyingRun = dying.drain();
    await new Promise((r) => setTimeout(r, 50));
    expect(await rescuer.drain()).toBe(0); // lease still held
    await new Promise((r) => setTimeout(r, 150));
    expect(await rescuer.drain()).toBe(1);
    releaseStuck();
    await dyingRun;
    expect(await jobRow(id)).toMatchObject({ status: 'completed', result: 'from the rescuer', attempts: 2 });
  });
});

describe('durability', () => {
  it('a job enqueued before a restart runs once after it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-jobs-'));
    // The same database reopened: a PGlite directory, or the test's PostgreSQL database.
    const url = process.env.TEST_DATABASE_URL ? t.url : path.join(dir, 'pglite');
    try {
      const first = await connectDatabase({ url });
      await applyMigrations(first);
      const id = (await enqueue(first.db, 'test.restart', { hello: 'world' }))!;
      await first.close();

      const second = await connectDatabase({ url });
      try {
        const worker = new JobWorker(second, { pollMs: 60_000, logger });
        const runs: unknown[] = [];
        worker.register('test.restart', async (job) => void runs.push(job.payload));
        expect(await worker.drain()).toBe(1);
        expect(await worker.drain()).toBe(0);
        expect(runs).toEqual([{ hello: 'world' }]);
        const rows = await second.query<{ status: string }>('select status from jobs where id = $1', [id]);
        expect(rows[0]?.status).toBe('completed');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('backoffMs', () => {
  it('grows exponentially and is capped at an hour', () => {
    expect(backoffMs(1, () => 1)).toBe(2000);
    expect(backoffMs(3, () => 1)).toBe(8000);
    expect(backoffMs(3, () => 0)).toBe(4000);
    expect(backoffMs(40, () => 1)).toBe(3_600_000);
  });
});
