import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelRuntimeOf } from '../../src/modules/models/index.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { fixture, maxDiff, upload } from './helpers.ts';

let t: TestApp;
let user: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, MODEL_MAX_QUEUE: '48' });
  user = await signUp(t);
  for (const name of ['mlp', 'fixed'] as const) {
    expect((await upload(t, user.headers, name, fixture(name))).statusCode).toBe(201);
  }
});
afterAll(() => t.close());

const predict = (name: string, inputs: unknown, query = '') =>
  t.app.inject({
    method: 'POST',
    url: `/v1/models/${name}/predict${query}`,
    headers: user.headers,
    payload: { inputs },
  });

/** A distinct row per caller: caller i's values depend on i. */
const rowOf = (i: number) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 64 + j));

const batcher = (name: string) => {
  const b = modelRuntimeOf(t.app.ctx)?.batcherNamed(name, 1);
  if (!b) throw new Error(`no batcher for ${name}`);
  return b;
};

/** Resolves once the batcher holds `rows` queued rows (the injected requests have reached it). */
async function queued(name: string, rows: number): Promise<void> {
  while (batcher(name).depth < rows) await new Promise((r) => setImmediate(r));
}

async function batchRuns(): Promise<{ runs: number; rows: number }> {
  const text = (await t.app.inject({ url: '/metrics' })).body;
  const count = /model_batch_rows_count\{model="mlp",version="1"\} (\d+)/.exec(text);
  const sum = /model_batch_rows_sum\{model="mlp",version="1"\} (\d+)/.exec(text);
  return { runs: Number(count?.[1] ?? 0), rows: Number(sum?.[1] ?? 0) };
}

describe('micro-batching', () => {
  it('40 concurrent callers with distinct inputs each get their own outputs, in few runs', async () => {
    // Each caller alone first: the reference outputs (one row per run, or two for every fifth caller).
    const inputsOf = (i: number) => (i % 5 === 0 ? [rowOf(i), rowOf(i + 1000)] : [rowOf(i)]);
    const alone = [];
    for (let i = 0; i < 40; i++) alone.push((await predict('mlp', { x: inputsOf(i) })).json().outputs.logits);
    const before = await batchRuns();

    batcher('mlp').pause();
    const pending = Array.from({ length: 40 }, (_, i) => predict('mlp', { x: inputsOf(i) }));
    await queued('mlp', 48);
    batcher('mlp').resume();
    const responses = await Promise.all(pending);

    for (const [i, res] of responses.entries()) {
      expect(res.statusCode, res.body).toBe(200);
      const logits = res.json().outputs.logits;
      expect(logits).toHaveLength(inputsOf(i).length);
      expect(maxDiff(logits, alone[i])).toBeLessThanOrEqual(1e-5);
    }
    const after = await batchRuns();
    expect(after.rows - before.rows).toBe(48);
    // 48 rows at 32 a run: two runs, not forty.
    expect(after.runs - before.runs).toBe(2);
  });

  it('queue full → 503 with Retry-After; a deadline → 504; both without running anything', async () => {
    batcher('mlp').pause();
    const waiting = Array.from({ length: 48 }, (_, i) => predict('mlp', { x: [rowOf(i)] }));
    await queued('mlp', 48);
    const full = await predict('mlp', { x: [rowOf(99)] });
    expect(full.statusCode).toBe(503);
    expect(full.headers['retry-after']).toBe('1');
    expect(full.headers['content-type']).toContain('application/problem+json');
    batcher('mlp').resume();
    expect((await Promise.all(waiting)).every((r) => r.statusCode === 200)).toBe(true);

    batcher('mlp').pause();
    const late = await predict('mlp', { x: [rowOf(1)] }, '?timeout_ms=20');
    expect(late.statusCode).toBe(504);
    expect(late.json().title).toBe('Gateway Timeout');
    expect(batcher('mlp').depth).toBe(0);
    batcher('mlp').resume();
  });

  it('is off for a model without a dynamic first dimension', async () => {
    expect(
      (
        await predict('fixed', {
          a: [
            [1, 2],
            [3, 4],
          ],
        })
      ).statusCode,
    ).toBe(200);
    expect(batcher('fixed').batchable).toBe(false);
  });

  it('PATCH changes the settings; max_batch_size 1 runs every caller alone', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/v1/models/mlp/versions/1',
      headers: user.headers,
      payload: { max_batch_size: 1, max_delay_ms: 0 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ max_batch_size: 1, max_delay_ms: 0, batching: false });
    expect((await predict('mlp', { x: [rowOf(1)] })).statusCode).toBe(200);
    const before = await batchRuns();
    batcher('mlp').pause();
    const pending = Array.from({ length: 6 }, (_, i) => predict('mlp', { x: [rowOf(i)] }));
    await queued('mlp', 6);
    batcher('mlp').resume();
    await Promise.all(pending);
    expect((await batchRuns()).runs - before.runs).toBe(6);
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/v1/models/mlp/versions/1',
      headers: user.headers,
      payload: { max_batch_size: 0 },
    });
    expect(bad.statusCode).toBe(422);
  });

  it('max_queue is per version: MODEL_MAX_QUEUE by default, PATCH bounds one version without the others', async () => {
    const patch = (name: string, payload: object) =>
      t.app.inject({ method: 'PATCH', url: `/v1/models/${name}/versions/1`, headers: user.headers, payload });
    const fixedView = (await t.app.inject({ url: '/v1/models/fixed', headers: user.headers })).json();
    expect(fixedView.versions[0].max_queue).toBe(48);
    const res = await patch('mlp', { max_batch_size: 32, max_queue: 4 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().max_queue).toBe(4);
    for (const bad of [0, 1_000_001, 2.5, '4'])
      expect((await patch('mlp', { max_queue: bad })).statusCode).toBe(422);

    const pair = [
      [1, 2],
      [3, 4],
    ];
    batcher('mlp').pause();
    batcher('fixed').pause();
    const mlpWaiting = Array.from({ length: 4 }, (_, i) => predict('mlp', { x: [rowOf(i)] }));
    // The fixed model's queue (48) takes more than the MLP's 4 in the meantime.
    const fixedWaiting = Array.from({ length: 6 }, () => predict('fixed', { a: pair }));
    await queued('mlp', 4);
    await queued('fixed', 6);
    const full = await predict('mlp', { x: [rowOf(9)] });
    expect(full.statusCode).toBe(503);
    expect(full.headers['retry-after']).toBe('1');
    batcher('mlp').resume();
    batcher('fixed').resume();
    const answers = await Promise.all([...mlpWaiting, ...fixedWaiting]);
    expect(answers.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect((await patch('mlp', { max_queue: 48 })).json().max_queue).toBe(48);
  });

  it('an idle version runs a lone request at once: max_delay_ms only bounds gathering beside a run', async () => {
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/v1/models/mlp/versions/1',
      headers: user.headers,
      payload: { max_batch_size: 32, max_delay_ms: 1000 },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const before = await batchRuns();
    const started = performance.now();
    const res = await predict('mlp', { x: [rowOf(3)] });
    expect(res.statusCode).toBe(200);
    // A fixed 1 s window would hold it for 1 s; continuous batching does not wait for company (the margin
    // is for a loaded machine).
    expect(performance.now() - started).toBeLessThan(900);
    expect((await batchRuns()).runs - before.runs).toBe(1);
  });

  it('exposes queue depth, batch sizes, latency and rows in /metrics', async () => {
    const text = (await t.app.inject({ url: '/metrics' })).body;
    for (const name of [
      'model_queue_rows',
      'model_batch_rows_bucket',
      'model_inference_seconds_bucket',
      'model_rows_total',
    ])
      expect(text).toContain(name);
  });
});
