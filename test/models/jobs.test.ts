import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { modelRuntimeOf } from '../../src/modules/models/index.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { expected, fixture, maxDiff, upload } from './helpers.ts';

let t: TestApp;
let app: FastifyInstance;
let owner: TestUser;
let other: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, MODEL_JOB_CHUNK_ROWS: '1000' });
  app = t.app;
  owner = await signUp(t);
  other = await signUp(t);
  for (const name of ['linear', 'iris-tree'] as const) {
    expect((await upload(t, owner.headers, name, fixture(name))).statusCode).toBe(201);
  }
});
afterAll(async () => {
  // The second app of the restart test owns the same database; t.close() closes the first and the database.
  if (app !== t.app) await app.close();
  await t.close();
});

// Values exact in float32, so y = x·[0.5, -1.25, 2] + 0.75 is exact too.
const rowOf = (i: number) => ({ x: [(i % 7) / 4, (i % 11) / 8, (i % 13) / 2] });
const yOf = (i: number) => 0.5 * ((i % 7) / 4) - 1.25 * ((i % 11) / 8) + 2 * ((i % 13) / 2) + 0.75;

const submit = (name: string, inputs: unknown, headers = owner.headers) =>
  app.inject({ method: 'POST', url: `/v1/models/${name}/jobs`, headers, payload: { inputs } });
const status = (id: string, headers = owner.headers) => app.inject({ url: `/v1/jobs/${id}`, headers });

describe('async jobs', () => {
  it('runs the iris rows and gives scikit-learn’s predictions, row by row', async () => {
    const rows = (expected['iris-tree'].inputs.input as number[][]).map((input) => ({ input }));
    const res = await submit('iris-tree', rows);
    expect(res.statusCode, res.body).toBe(202);
    const { job_id: id } = res.json();
    expect((await status(id)).json()).toMatchObject({ status: 'queued', progress: { done: 0, total: 150 } });
    await app.ctx.worker.drain();
    const body = (await status(id)).json();
    expect(body).toMatchObject({ status: 'succeeded', progress: { done: 150, total: 150 } });
    expect(body.outputs.map((o: { label: number }) => o.label)).toEqual(expected['iris-tree'].outputs.label);
    const probabilities = body.outputs.map((o: { probabilities: number[] }) => o.probabilities);
    expect(maxDiff(probabilities, expected['iris-tree'].outputs.probabilities)).toBeLessThanOrEqual(1e-5);
  });

  it.each([
    ['a row missing an input', [{ x: [1, 2, 3] }, {}], '/body/inputs/1/x'],
    ['a row of the wrong size', [{ x: [1, 2] }], '/body/inputs/0/x'],
    ['a row with the batch dimension', [{ x: [[1, 2, 3]] }], '/body/inputs/0/x'],
    ['an unknown input', [{ x: [1, 2, 3], y: [1] }], '/body/inputs/0/y'],
    ['no rows', [], '/body/inputs'],
  ])('refuses %s with 422 and queues nothing', async (_label, inputs, pointer) => {
    const res = await submit('linear', inputs);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(pointer);
  });

  it('hides others’ jobs (404), cancels, and refuses anonymous callers', async () => {
    const { job_id: id } = (await submit('linear', [rowOf(1)])).json();
    expect((await status(id, other.headers)).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: other.headers })).statusCode,
    ).toBe(404);
    expect((await app.inject({ url: `/v1/jobs/${id}` })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: owner.headers })).statusCode,
    ).toBe(204);
    await app.ctx.worker.drain();
    const body = (await status(id)).json();
    expect(body.status).toBe('cancelled');
    expect(body.outputs).toBeUndefined();
  });

  it('a 10,000-row job survives a restart in the middle and resumes after its last chunk', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => rowOf(i));
    const { job_id: id } = (await submit('linear', rows)).json();

    // Shut the app down once the third chunk is written: the job hands itself back to the queue.
    const runtime = modelRuntimeOf(app.ctx)!;
    let closing: Promise<void> | undefined;
    runtime.afterChunk = async (_job, chunk) => {
      if (chunk !== 2) return;
      closing = app.close();
      while (!runtime.stopping) await new Promise((r) => setImmediate(r));
    };
    await app.ctx.worker.drain();
    await closing;
    const [before] = await t.db.database.query<{ status: string; done: number }>(
      `select status, done from model_jobs where id = $1`,
      [id],
    );
    expect(before!.status).toBe('running');
    expect(before!.done).toBe(3000);

    // A new process on the same database and storage; the interrupted job is due again (its backoff skipped).
    app = await buildApp({
      config: t.config,
      database: t.db.database,
      masterKey: randomBytes(32),
      startWorker: false,
    });
    await app.ready();
    await t.db.database.db.execute(sql`update jobs set run_at = now() where queue = 'models.job'`);
    await app.ctx.worker.drain();

    const body = (await status(id)).json();
    expect(body).toMatchObject({ status: 'succeeded', progress: { done: 10_000, total: 10_000 } });
    expect(body.outputs).toHaveLength(10_000);
    for (let i = 0; i < 10_000; i++) expect(body.outputs[i].y[0]).toBe(yOf(i));
    const [job] = await t.db.database.query<{ result: { resumedFromChunk: number } }>(
      `select result from jobs where queue = 'models.job' and payload->>'jobId' = $1`,
      [id],
    );
    expect(job!.result.resumedFromChunk).toBe(3);
  });
});
