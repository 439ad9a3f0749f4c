import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildAccountsApp, type AccountsTestApp } from './setup.ts';

let t: AccountsTestApp;
beforeAll(async () => {
  t = await buildAccountsApp();
});
afterAll(() => t?.close());

const OPERATIONS = [
  ['/v1/accounts', 'post', '201'],
  ['/v1/accounts', 'get', '200'],
  ['/v1/accounts/search', 'post', '200'],
  ['/v1/accounts/{id}', 'get', '200'],
  ['/v1/accounts/{id}', 'patch', '200'],
  ['/v1/accounts/{id}', 'delete', '204'],
] as const;

it('stays a valid OpenAPI 3.1 document with the accounts routes, each tagged, secured and typed', async () => {
  const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const result = await new Validator().validate(document);
  expect(result.errors ?? []).toEqual([]);
  for (const [path, method, success] of OPERATIONS) {
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path}`).toMatchObject({ tags: ['accounts'], summary: expect.any(String) });
    expect(operation.security.length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining([success, '401']));
  }
  for (const name of [
    'Account',
    'AccountList',
    'AccountSearchResult',
    'CreateAccountRequest',
    'UpdateAccountRequest',
  ]) {
    expect(document.components.schemas[name], name).toBeDefined();
  }
  expect(JSON.stringify(document.components.schemas.Account)).not.toMatch(/password/);
});
