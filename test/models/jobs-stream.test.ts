import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { fixture, upload } from './helpers.ts';

// The job body is read row by row as it streams in: these check the reader's answers, the limits, and that
// a refused body leaves nothing behind.
let t: TestApp;
let user: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, MAX_JOB_BYTES: '6mb', MODEL_JOB_CHUNK_ROWS: '20000' });
  user = await signUp(t);
  expect((await upload(t, user.headers, 'linear', fixture('linear'))).statusCode).toBe(201);
});
afterAll(() => t.close());

const post = (payload: string | Readable, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/models/linear/jobs',
    headers: { ...user.headers, 'content-type': 'application/json', ...headers },
    payload,
  });

/** Sends `text` in small pieces without a content-length, as a chunked upload arrives. */
const chunked = (text: string, size = 7) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < text.length; i += size) yield Buffer.from(text.slice(i, i + size));
    })(),
  );

const rowsText = (count: number, padding = 0) => {
  const rows: string[] = [];
  const pad = ' '.repeat(padding);
  for (let i = 0; i < count; i++) rows.push(`{"x":[${i % 7},${(i % 11) / 8},${(i % 13) / 2}]${pad}}`);
  return `{"inputs":[${rows.join(',')}]}`;
};

/** Job input files left in storage. */
const stored = async () => {
  try {
    return await readdir(path.join(t.app.ctx.config.storageDir, 'model-jobs'));
  } catch {
    return [];
  }
};

const jobsCount = async () => {
  const [row] = await t.db.database.query<{ n: number }>('select count(*)::int as n from model_jobs');
  return row!.n;
};

describe('job bodies, streamed', () => {
  it('takes 100,000 rows in 64 kB pieces and counts them all', async () => {
    const text = rowsText(100_000);
    const res = await post(chunked(text, 64 * 1024));
    expect(res.statusCode, res.body).toBe(202);
    const status = await t.app.inject({ url: `/v1/jobs/${res.json().job_id}`, headers: user.headers });
    expect(status.json().progress).toEqual({ done: 0, total: 100_000 });
    // One NDJSON line a row in storage.
    expect(await stored()).toHaveLength(1);
    await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${res.json().job_id}`, headers: user.headers });
    expect(await stored()).toHaveLength(0);
  });

  it('runs a streamed job to the right outputs, whatever the chunking and whitespace', async () => {
    const text = '\n { "inputs" : [ {"x": [1, 2, 3]} ,\n{ "x" : [0.5, 0, -2], "\\u0078": [1,2,3] } ] } \n';
    // The second row names x twice (once escaped): JSON.parse keeps the last, as a parsed body would.
    const res = await post(chunked(text, 3));
    expect(res.statusCode, res.body).toBe(202);
    await t.app.ctx.worker.drain();
    const body = (await t.app.inject({ url: `/v1/jobs/${res.json().job_id}`, headers: user.headers })).json();
    expect(body.status).toBe('succeeded');
    const y = body.outputs.map((o: { y: number[] }) => o.y[0]);
    // y = x·[0.5, -1.25, 2] + 0.75 (test/fixtures/models)
    expect(y[0]).toBeCloseTo(0.5 - 2.5 + 6 + 0.75, 5);
    expect(y[1]).toBeCloseTo(0.5 - 2.5 + 6 + 0.75, 5);
  });

  it.each([
    ['a syntax error after valid rows', `{"inputs":[{"x":[1,2,3]},{"x":[1,2,3]]}`, 400, undefined],
    ['a truncated body', `{"inputs":[{"x":[1,2,3]},{"x":[1,`, 400, undefined],
    ['trailing garbage', `{"inputs":[{"x":[1,2,3]}]} x`, 400, undefined],
    ['a row that is not an object', `{"inputs":[{"x":[1,2,3]},[1,2,3]]}`, 422, '/body/inputs/1'],
    ['inputs that is not an array', `{"inputs":{"x":[1,2,3]}}`, 422, '/body/inputs'],
    ['another key', `{"inputs":[{"x":[1,2,3]}],"extra":1}`, 422, '/body/extra'],
    ['no inputs', `{}`, 422, '/body/inputs'],
    ['a body that is not an object', `[1]`, 422, '/body'],
    [
      'a bad row deep in the stream',
      rowsText(5000).replace('{"x":[3,0.375,1.5]}', '{"x":[3,"a",1.5]}'),
      422,
      '/body/inputs/3/x',
    ],
    ['more than 100,000 rows', rowsText(100_001), 422, '/body/inputs'],
  ])('refuses %s and keeps nothing', async (_label, text, code, pointer) => {
    const before = await jobsCount();
    const res = await post(chunked(text, 4096));
    expect(res.statusCode, res.body).toBe(code);
    expect(res.headers['content-type']).toContain('application/problem+json');
    if (pointer) expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(pointer);
    expect(await jobsCount()).toBe(before);
    expect(await stored()).toHaveLength(0);
  });

  it('answers 413 past MAX_JOB_BYTES: by the declared length, and while streaming without one', async () => {
    const big = rowsText(60_000, 100); // ≈ 7.4 MB > 6 MB
    expect((await post(big)).statusCode).toBe(413);
    const res = await post(chunked(big, 256 * 1024));
    expect(res.statusCode).toBe(413);
    expect(await stored()).toHaveLength(0);
  });

  it('still answers 415 for another media type and 401 without a credential', async () => {
    expect((await post('inputs=1', { 'content-type': 'text/plain' })).statusCode).toBe(415);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/models/linear/jobs',
      headers: { 'content-type': 'application/json' },
      payload: rowsText(1),
    });
    expect(res.statusCode).toBe(401);
  });
});
