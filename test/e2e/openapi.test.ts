import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t?.close());

describe('the OpenAPI document', () => {
  it('/openapi.json is a valid OpenAPI 3.1 document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const document = res.json();
    expect(document.openapi).toBe('3.1.0');

    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');

    // The control case: the validator does reject a broken copy.
    const broken = {
      ...document,
      info: { title: 'Bulwark' },
      paths: { '/x': { get: { responses: 'none' } } },
    };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('is the document Swagger UI loads from /docs/json', async () => {
    const [served, ui] = await Promise.all([
      t.app.inject({ method: 'GET', url: '/openapi.json' }),
      t.app.inject({ method: 'GET', url: '/docs/json' }),
    ]);
    expect(ui.statusCode).toBe(200);
    expect(ui.json()).toEqual(served.json());
  });

  it('lists every security scheme and documents the operations routes', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
      'apiKeyAuth',
      'basicAuth',
      'bearerAuth',
      'cookieAuth',
      'oauth2',
    ]);
    expect(document.paths['/healthz']?.get).toBeDefined();
    expect(document.paths['/readyz']?.get?.responses?.['503']).toBeDefined();
    expect(document.paths['/openapi.json']).toBeUndefined(); // hidden
  });

  it('declares problem responses application/problem+json, as they are sent; OAuth errors stay JSON', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const declared: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        for (const [status, response] of Object.entries<any>(operation.responses ?? {})) {
          for (const [type, media] of Object.entries<any>(response.content ?? {})) {
            if (media.schema?.$ref === '#/components/schemas/Problem')
              declared.push(`${method} ${path} ${status} ${type}`);
          }
        }
      }
    }
    expect(declared.length).toBeGreaterThan(20);
    expect(declared.filter((entry) => !entry.endsWith(' application/problem+json'))).toEqual([]);
    const token = document.paths['/v1/auth/token'].post.responses;
    expect(Object.keys(token['400'].content)).toEqual(['application/json']);
    expect(token['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/OAuthError');
    expect(Object.keys(token['429'].content)).toEqual(['application/problem+json']);

    // What is declared is what is sent.
    const declaredRegister = document.paths['/v1/auth/register'].post.responses['422'].content;
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email: 1 } });
    expect(res.statusCode).toBe(422);
    expect(Object.keys(declaredRegister)).toEqual([String(res.headers['content-type']).split(';')[0]]);
  });
});
