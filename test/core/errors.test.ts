import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp({ MAX_BODY_BYTES: '1kb' }, (app) => {
    app.post(
      '/test/echo',
      {
        schema: {
          body: Type.Object(
            { name: Type.String({ minLength: 1 }), age: Type.Optional(Type.Integer({ minimum: 0 })) },
            { additionalProperties: false },
          ),
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
        },
      },
      async (request) => ({ body: request.body, query: request.query }),
    );
    app.get('/test/boom', async () => {
      throw new Error('secret internals: connection string postgres://u:pw@db');
    });
  });
});
afterAll(() => t.close());

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:bulwark:problem:/) });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

describe('problem+json for every failure', () => {
  it('accepts a valid body (the control case)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo?limit=5',
      payload: { name: 'x', age: 3 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ body: { name: 'x', age: 3 }, query: { limit: 5 } });
  });

  it('404 for an unknown route', async () => {
    const body = expectProblem(await t.app.inject({ method: 'GET', url: '/no/such/route' }), 404);
    expect(body.detail).toContain('/no/such/route');
  });

  it('405 with Allow for a known path and the wrong method', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/healthz' });
    expectProblem(res, 405);
    expect(res.headers.allow).toContain('GET');
  });

  it('400 for unparseable JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expectProblem(res, 400);
  });

  it('400 for an empty JSON body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectProblem(res, 400);
  });

  it('422 with field errors for a schema violation, no type coercion of the body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { name: '', age: '3' } });
    const body = expectProblem(res, 422);
    expect(body.errors.length).toBeGreaterThan(0);
    for (const e of body.errors) expect(e.path).toMatch(/^\/body/);
  });

  it('422 naming a missing field', async () => {
    const body = expectProblem(await t.app.inject({ method: 'POST', url: '/test/echo', payload: {} }), 422);
    expect(body.errors.map((e: { path: string }) => e.path)).toContain('/body/name');
  });

  it('422 for a query parameter out of range', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo?limit=1000', payload: { name: 'x' } });
    const body = expectProblem(res, 422);
    expect(body.errors[0].path).toMatch(/^\/query/);
  });

  it('415 for a content type the route does not take', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/test/echo',
        headers: { 'content-type': type },
        payload: 'name=x',
      });
      expectProblem(res, 415);
    }
  });

  it('413 for a body over MAX_BODY_BYTES', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x'.repeat(2000) },
    });
    expectProblem(res, 413);
  });

  it('500 names only the request id, never the internals', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/boom' });
    const body = expectProblem(res, 500);
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(JSON.stringify(body)).not.toContain('postgres://');
  });

  it('garbage bodies on every route are 4xx, never 5xx', async () => {
    const routes = t.app.printRoutes({ commonPrefix: false });
    expect(routes).toContain('healthz');
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/test/echo', '/docs/json']) {
      for (const method of ['POST', 'PUT', 'PATCH'] as const) {
        const res = await t.app.inject({
          method,
          url,
          headers: { 'content-type': 'application/json' },
          payload: '\u0000{garbage',
        });
        expect(res.statusCode, `${method} ${url}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${method} ${url}`).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
      }
    }
  });
});

describe('x-request-id', () => {
  it('echoes a well-formed incoming id', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('replaces a malformed one with a fresh UUID', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\nwith newline'.replace('\n', ' ') + 'x'.repeat(200) },
    });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is on errors too', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('security headers', () => {
  it('are on every response', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-frame-options']).toBeDefined();
  });
});
