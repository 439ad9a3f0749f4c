import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { expected, fixture, maxDiff, multipartBody, upload } from './helpers.ts';

let t: TestApp;
let owner: TestUser;
let other: TestUser;

beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, MAX_MODEL_BYTES: '64kb' });
  owner = await signUp(t);
  other = await signUp(t);
});
afterAll(() => t.close());

const storedFiles = async () => {
  try {
    return (await readdir(path.join(t.config.storageDir, 'models'))).filter((f) => !f.endsWith('.tmp'));
  } catch {
    return [];
  }
};

describe('POST /v1/models', () => {
  it.each(['linear', 'mlp', 'iris-tree', 'fixed'] as const)(
    'registers %s with its signature',
    async (name) => {
      const res = await upload(t, owner.headers, `fx-${name}`, fixture(name), {
        description: `the ${name} fixture`,
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ name: `fx-${name}`, version: 1, description: `the ${name} fixture` });
      expect(body.inputs.length).toBeGreaterThan(0);
      expect(body.batching).toBe(name !== 'fixed');
    },
  );

  it('reads names, element types and dynamic dimensions', async () => {
    const res = await t.app.inject({ url: '/v1/models/fx-iris-tree', headers: owner.headers });
    expect(res.statusCode).toBe(200);
    const [v] = res.json().versions;
    expect(v.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['N', 4] }]);
    expect(v.outputs).toEqual([
      { name: 'label', type: 'int64', shape: ['N'] },
      { name: 'probabilities', type: 'float32', shape: ['N', 3] },
    ]);
  });

  it.each([
    ['not ONNX at all', Buffer.from('this is a text file, not a model'), 422],
    ['a truncated ONNX file', fixture('mlp').subarray(0, 20_000), 422],
    ['an empty file', Buffer.alloc(0), 422],
    ['a ZipMap classifier (outputs that are not tensors)', fixture('zipmap'), 422],
    ['a file over MAX_MODEL_BYTES', Buffer.concat([fixture('mlp'), Buffer.alloc(40_000)]), 413],
  ])('refuses %s and keeps nothing', async (_label, bytes, status) => {
    const before = await storedFiles();
    const res = await upload(t, owner.headers, 'refused', bytes);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    if (status === 422) expect(res.json().errors[0].path).toBe('/body/file');
    expect(await storedFiles()).toEqual(before);
    expect((await t.app.inject({ url: '/v1/models/refused', headers: owner.headers })).statusCode).toBe(404);
  });

  it.each([
    ['no name', {}, '/body/name'],
    ['a bad name', { name: 'Bad Name' }, '/body/name'],
    ['a bad version', { name: 'okname', version: 'two' }, '/body/version'],
    ['an unknown field', { name: 'okname', colour: 'blue' }, '/body/colour'],
  ])('refuses %s with 422', async (_label, fields, pointer) => {
    const body = multipartBody(fields, { bytes: fixture('linear') });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/models',
      headers: { ...owner.headers, ...body.headers },
      payload: body.payload,
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(pointer);
  });

  it('refuses a JSON body with 415 and a missing file with 422', async () => {
    const json = await t.app.inject({
      method: 'POST',
      url: '/v1/models',
      headers: owner.headers,
      payload: { name: 'x' },
    });
    expect(json.statusCode).toBe(415);
    const body = multipartBody({ name: 'nofile' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/models',
      headers: { ...owner.headers, ...body.headers },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toBe('/body/file');
  });

  it('numbers versions, refuses an existing explicit version (409) and another account’s name (403)', async () => {
    expect((await upload(t, owner.headers, 'fx-linear', fixture('linear'))).json().version).toBe(2);
    expect(
      (await upload(t, owner.headers, 'fx-linear', fixture('linear'), { version: '7' })).json().version,
    ).toBe(7);
    expect(
      (await upload(t, owner.headers, 'fx-linear', fixture('linear'), { version: '7' })).statusCode,
    ).toBe(409);
    expect((await upload(t, other.headers, 'fx-linear', fixture('linear'))).statusCode).toBe(403);
    const res = await t.app.inject({ url: '/v1/models/fx-linear', headers: other.headers });
    expect(res.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 7]);
    expect(res.json().latest_version).toBe(7);
  });
});

describe('predict', () => {
  const predict = (name: string, inputs: unknown, headers = owner.headers, query = '') =>
    t.app.inject({ method: 'POST', url: `/v1/models/${name}/predict${query}`, headers, payload: { inputs } });

  it.each(['linear', 'mlp', 'iris-tree', 'fixed'] as const)(
    '%s gives what numpy/scikit-learn computed (≤ 1e-5)',
    async (name) => {
      const res = await predict(`fx-${name}`, expected[name].inputs, other.headers, '?version=1');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.model).toBe(`fx-${name}`);
      for (const [output, want] of Object.entries(expected[name].outputs)) {
        expect(maxDiff(body.outputs[output], want), output).toBeLessThanOrEqual(1e-5);
      }
    },
  );

  it.each([
    ['a missing input', {}, 'input x is missing'],
    ['an unknown input', { x: [[1, 2, 3]], z: [[1]] }, 'no input z'],
    ['the wrong rank', { x: [1, 2, 3] }, 'rank 1'],
    ['a wrong fixed dimension', { x: [[1, 2]] }, 'expects 3'],
    [
      'ragged rows',
      {
        x: [
          [1, 2, 3],
          [4, 5],
        ],
      },
      'ragged',
    ],
    ['a string element', { x: [[1, 'two', 3]] }, 'not a number'],
    ['a null element', { x: [[1, null, 3]] }, 'not a number'],
    ['a nested element', { x: [[1, [2], 3]] }, 'nested deeper'],
    ['no rows', { x: [] }, 'rank 1'],
  ])('refuses %s with 422 naming the input', async (_label, inputs, message) => {
    const res = await predict('fx-linear', inputs, owner.headers, '?version=1');
    expect(res.statusCode, res.body).toBe(422);
    expect(JSON.stringify(res.json().errors)).toContain(message);
  });

  it('refuses a number too big for float (not finite after JSON) and a bool for a float', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/models/fx-linear/predict',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: '{"inputs": {"x": [[1e999, 2, 3]]}}',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].message).toContain('finite');
    expect((await predict('fx-linear', { x: [[true, 2, 3]] })).statusCode).toBe(422);
  });

  it('uses the latest version until production is set, then production', async () => {
    const latest = await predict('fx-linear', { x: [[1, 1, 1]] });
    expect(latest.json().version).toBe(7);
    const alias = await t.app.inject({
      method: 'PUT',
      url: '/v1/models/fx-linear/aliases/production',
      headers: owner.headers,
      payload: { version: 2 },
    });
    expect(alias.statusCode, alias.body).toBe(200);
    expect(alias.json().aliases.production).toBe(2);
    expect((await predict('fx-linear', { x: [[1, 1, 1]] })).json().version).toBe(2);
    // Uploading never moves the alias.
    await upload(t, owner.headers, 'fx-linear', fixture('linear'));
    expect((await predict('fx-linear', { x: [[1, 1, 1]] })).json().version).toBe(2);
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/v1/models/fx-linear/aliases/production',
      headers: owner.headers,
      payload: { version: 99 },
    });
    expect(bad.statusCode).toBe(422);
    const others = await t.app.inject({
      method: 'PUT',
      url: '/v1/models/fx-linear/aliases/production',
      headers: other.headers,
      payload: { version: 1 },
    });
    expect(others.statusCode).toBe(403);
  });

  it('answers 404 for an unknown model or version, 401 anonymously', async () => {
    expect((await predict('nope', { x: [[1, 2, 3]] })).statusCode).toBe(404);
    expect((await predict('fx-linear', { x: [[1, 2, 3]] }, owner.headers, '?version=55')).statusCode).toBe(
      404,
    );
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/models/fx-linear/predict',
      payload: { inputs: {} },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('deleting a version', () => {
  it('unloads it, removes its file, refuses production (409) and others (403)', async () => {
    const before = await storedFiles();
    const del = (v: number, headers = owner.headers) =>
      t.app.inject({ method: 'DELETE', url: `/v1/models/fx-linear/versions/${v}`, headers });
    expect((await del(1, other.headers)).statusCode).toBe(403);
    expect((await del(2)).statusCode).toBe(409);
    expect((await del(1)).statusCode).toBe(204);
    expect((await del(1)).statusCode).toBe(404);
    expect(await storedFiles()).toHaveLength(before.length - 1);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/models/fx-linear/predict?version=1',
      headers: owner.headers,
      payload: { inputs: { x: [[1, 2, 3]] } },
    });
    expect(res.statusCode).toBe(404);
  });

  it('removes the model with its last version', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/v1/models/fx-fixed/versions/1',
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/v1/models/fx-fixed', headers: owner.headers })).statusCode).toBe(404);
  });

  it('lists models with a cursor', async () => {
    const first = await t.app.inject({ url: '/v1/models?limit=2', headers: other.headers });
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toHaveLength(2);
    const next = await t.app.inject({
      url: `/v1/models?limit=2&cursor=${first.json().next_cursor}`,
      headers: other.headers,
    });
    expect(next.json().items.length).toBeGreaterThan(0);
    expect((await t.app.inject({ url: '/v1/models?limit=0', headers: other.headers })).statusCode).toBe(422);
  });
});

describe('over HTTP', () => {
  it('answers an oversized upload with 413 while the client is still sending, and keeps nothing', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const before = await storedFiles();
    const form = new FormData();
    form.set('name', 'too-big');
    form.set('file', new Blob([Buffer.alloc(2 * 1024 * 1024, 7)]), 'big.onnx');
    const res = await fetch(`${address}/v1/models`, { method: 'POST', headers: owner.headers, body: form });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { status: number }).status).toBe(413);
    expect(await storedFiles()).toEqual(before);
  });
});
