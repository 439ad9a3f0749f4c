import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { expected, fixture, maxDiff, upload } from './helpers.ts';

let t: TestApp;
let user: TestUser;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  user = await signUp(t);
  for (const name of ['iris-tree', 'mlp'] as const) {
    expect((await upload(t, user.headers, name, fixture(name))).statusCode).toBe(201);
  }
});
afterAll(() => t.close());

const infer = (url: string, body: unknown, headers: Record<string, string> = user.headers) =>
  t.app.inject({ method: 'POST', url, headers, payload: body as object });

const irisRows = expected['iris-tree'].inputs.input as number[][];

describe('V2 inference protocol', () => {
  it('answers server metadata, liveness and readiness without credentials', async () => {
    expect((await t.app.inject({ url: '/v2' })).json()).toMatchObject({ name: 'bulwark' });
    expect((await t.app.inject({ url: '/v2/health/live' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v2/health/ready' })).statusCode).toBe(200);
  });

  it.each(['/v2/models/iris-tree', '/v2/models/iris-tree/versions/1'])(
    '%s gives the model metadata',
    async (url) => {
      const res = await t.app.inject({ url, headers: user.headers });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        name: 'iris-tree',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [
          { name: 'label', datatype: 'INT64', shape: [-1] },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        ],
      });
      expect((await t.app.inject({ url: `${url}/ready`, headers: user.headers })).statusCode).toBe(200);
    },
  );

  it.each([
    ['flat', irisRows.flat()],
    ['nested', irisRows],
  ])('infer with %s data answers the same numbers as /v1 and as scikit-learn', async (_label, data) => {
    const res = await infer('/v2/models/iris-tree/infer', {
      id: 'req-42',
      inputs: [{ name: 'input', shape: [150, 4], datatype: 'FP32', data }],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ model_name: 'iris-tree', model_version: '1', id: 'req-42' });
    const label = body.outputs.find((o: { name: string }) => o.name === 'label');
    const probabilities = body.outputs.find((o: { name: string }) => o.name === 'probabilities');
    expect(label).toMatchObject({ datatype: 'INT64', shape: [150] });
    expect(probabilities).toMatchObject({ datatype: 'FP32', shape: [150, 3] });
    expect(label.data).toEqual(expected['iris-tree'].outputs.label);
    expect(
      maxDiff(probabilities.data, (expected['iris-tree'].outputs.probabilities as number[][]).flat()),
    ).toBeLessThanOrEqual(1e-5);

    const v1 = await t.app.inject({
      method: 'POST',
      url: '/v1/models/iris-tree/predict',
      headers: user.headers,
      payload: { inputs: { input: irisRows } },
    });
    expect(v1.json().outputs.label).toEqual(label.data);
    expect(maxDiff((v1.json().outputs.probabilities as number[][]).flat(), probabilities.data)).toBe(0);
  });

  it('returns only the requested outputs', async () => {
    const res = await infer('/v2/models/mlp/versions/1/infer', {
      inputs: [{ name: 'x', shape: [4, 64], datatype: 'FP32', data: expected.mlp.inputs.x }],
      outputs: [{ name: 'logits' }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().outputs).toHaveLength(1);
    expect(
      maxDiff(res.json().outputs[0].data, (expected.mlp.outputs.logits as number[][]).flat()),
    ).toBeLessThanOrEqual(1e-5);
    expect(res.json().id).toBeUndefined();
  });

  it.each([
    [
      'a wrong datatype',
      [{ name: 'input', shape: [1, 4], datatype: 'INT64', data: [1, 2, 3, 4] }],
      400,
      'datatype',
    ],
    [
      'data not matching the shape',
      [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
      400,
      'needs 8',
    ],
    [
      'a wrong fixed dimension',
      [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
      400,
      'expects 4',
    ],
    ['an unknown input', [{ name: 'nope', shape: [1], datatype: 'FP32', data: [1] }], 400, 'missing'],
    [
      'a string element',
      [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 'x', 3, 4] }],
      400,
      'not a number',
    ],
    ['no inputs', [], 400, 'invalid request'],
  ])('answers %s with {"error"} and the protocol status', async (_label, inputs, status, message) => {
    const res = await infer('/v2/models/iris-tree/infer', { inputs });
    expect(res.statusCode, res.body).toBe(status);
    expect(Object.keys(res.json())).toEqual(['error']);
    expect(res.json().error).toContain(message);
  });

  it('answers unknown models, unknown outputs and anonymous calls with {"error"}', async () => {
    const good = [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }];
    const missing = await infer('/v2/models/absent/infer', { inputs: good });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBeTypeOf('string');
    expect(
      (await t.app.inject({ url: '/v2/models/iris-tree/versions/9', headers: user.headers })).statusCode,
    ).toBe(404);
    const output = await infer('/v2/models/iris-tree/infer', { inputs: good, outputs: [{ name: 'nope' }] });
    expect(output.statusCode).toBe(400);
    const anonymous = await infer('/v2/models/iris-tree/infer', { inputs: good }, {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error).toBeTypeOf('string');
    const control = await infer('/v2/models/iris-tree/infer', { inputs: good });
    expect(control.statusCode).toBe(200);
    expect(control.json().outputs[0].data).toEqual([0]);
  });
});
