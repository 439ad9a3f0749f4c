import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { expected, fixture, upload } from './helpers.ts';

let t: TestApp;
let owner: TestUser;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  owner = await signUp(t);
  for (const name of ['linear', 'mlp'] as const) {
    expect((await upload(t, owner.headers, name, fixture(name))).statusCode).toBe(201);
  }
});
afterAll(() => t.close());

async function apiKey(body: Record<string, unknown>): Promise<Record<string, string>> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: owner.headers,
    payload: { name: 'k', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { 'x-api-key': res.json().key as string };
}

const linear = { x: [[1, 2, 3]] };
const predict = (name: string, headers: Record<string, string>, inputs: unknown = linear) =>
  t.app.inject({ method: 'POST', url: `/v1/models/${name}/predict`, headers, payload: { inputs } });

describe('scopes', () => {
  it('needs models:read to predict and models:write to upload', async () => {
    const readOnly = await apiKey({ scopes: ['models:read'] });
    expect((await predict('linear', readOnly)).statusCode).toBe(200);
    expect((await upload(t, readOnly, 'by-reader', fixture('linear'))).statusCode).toBe(403);
    const noModels = await apiKey({ scopes: ['accounts:read'] });
    expect((await predict('linear', noModels)).statusCode).toBe(403);
    const writer = await apiKey({ scopes: ['models:write'] });
    expect((await upload(t, writer, 'by-writer', fixture('linear'))).statusCode).toBe(201);
  });
});

describe('per-key model allow-list', () => {
  it.each([
    [
      '/v1 predict',
      (h: Record<string, string>, name: string) =>
        predict(name, h, name === 'mlp' ? expected.mlp.inputs : linear),
    ],
    [
      '/v1 read',
      (h: Record<string, string>, name: string) => t.app.inject({ url: `/v1/models/${name}`, headers: h }),
    ],
    [
      '/v2 metadata',
      (h: Record<string, string>, name: string) => t.app.inject({ url: `/v2/models/${name}`, headers: h }),
    ],
  ])('%s: the listed model works, another is 403', async (_label, call) => {
    const headers = await apiKey({ model_names: ['linear'] });
    expect((await call(headers, 'linear')).statusCode).toBe(200);
    expect((await call(headers, 'mlp')).statusCode).toBe(403);
  });

  it('lists only the allowed models; the key shows its list', async () => {
    const headers = await apiKey({ model_names: ['mlp'] });
    const res = await t.app.inject({ url: '/v1/models', headers });
    expect(res.json().items.map((m: { name: string }) => m.name)).toEqual(['mlp']);
    const keys = await t.app.inject({ url: '/v1/api-keys', headers: owner.headers });
    expect(
      keys.json().items.some((k: { model_names: string[] | null }) => k.model_names?.[0] === 'mlp'),
    ).toBe(true);
  });

  it('refuses a malformed model name in the list (422)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: owner.headers,
      payload: { name: 'k', model_names: ['Not A Name'] },
    });
    expect(res.statusCode).toBe(422);
  });
});

describe('per-key quota', () => {
  it('allows requests_per_minute model requests, then 429 with Retry-After; other keys are unaffected', async () => {
    const limited = await apiKey({ requests_per_minute: 3 });
    for (let i = 0; i < 3; i++) expect((await predict('linear', limited)).statusCode).toBe(200);
    const over = await predict('linear', limited);
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    const v2 = await t.app.inject({
      method: 'POST',
      url: '/v2/models/linear/infer',
      headers: limited,
      payload: { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
    });
    expect(v2.statusCode).toBe(429);
    expect(v2.json().error).toBeTypeOf('string');
    const unlimited = await apiKey({});
    expect((await predict('linear', unlimited)).statusCode).toBe(200);
  });
});
