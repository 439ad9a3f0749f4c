// The shared security cases of every /v1/accounts route, as tables: no credential, a wrong one, someone
// else's account, a non-admin on an admin route, a credential without the scope, bad input, the happy path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, bearer, signUp, uniqueEmail, type TestUser } from '../helpers/auth.ts';
import { flipSignatureBit } from '../helpers/jwt.ts';
import { buildAccountsApp, type AccountsTestApp } from './setup.ts';

let t: AccountsTestApp;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await buildAccountsApp();
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
  bob = await signUp(t);
});
afterAll(() => t?.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Route {
  readonly name: string;
  readonly method: Method;
  readonly url: (id: string) => string;
  readonly body?: () => object;
  /** Admin-only routes; the others are "admin or self". */
  readonly admin: boolean;
}

const ROUTES: Route[] = [
  {
    name: 'create',
    method: 'POST',
    url: () => '/v1/accounts',
    body: () => ({ email: uniqueEmail(), password: 'a-g00d-passphrase' }),
    admin: true,
  },
  { name: 'list', method: 'GET', url: () => '/v1/accounts', admin: true },
  { name: 'search', method: 'POST', url: () => '/v1/accounts/search', body: () => ({}), admin: true },
  { name: 'get', method: 'GET', url: (id) => `/v1/accounts/${id}`, admin: false },
  {
    name: 'patch',
    method: 'PATCH',
    url: (id) => `/v1/accounts/${id}`,
    body: () => ({ name: 'Renamed' }),
    admin: false,
  },
  { name: 'delete', method: 'DELETE', url: (id) => `/v1/accounts/${id}`, admin: false },
];
const SELF_ROUTES = ROUTES.filter((r) => !r.admin);
const ADMIN_ROUTES = ROUTES.filter((r) => r.admin);

const call = (route: Route, id: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: route.method,
    url: route.url(id),
    headers,
    ...(route.body ? { payload: route.body() } : {}),
  });

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): any },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status, type: expect.stringMatching(/^urn:bulwark:problem:/) });
}

const WRONG_CREDENTIALS: [string, () => Record<string, string>][] = [
  ['a garbage bearer token', () => bearer('not.a.jwt')],
  ['a bearer token signed by no key of ours', () => bearer(flipSignatureBit(alice.token))],
  ['an unknown API key', () => ({ 'x-auth': `bwk_000000000000_${'A'.repeat(43)}` })],
  ['a malformed API key', () => ({ 'x-api-key': 'letmein' })],
  ['Basic with a wrong password', () => basic(alice.email, 'wrong-password-123')],
  ['an unknown authorization scheme', () => ({ authorization: 'Digest abc' })],
];

describe.each(ROUTES)('$method $name', (route) => {
  it('refuses a request without credentials: 401 with WWW-Authenticate', async () => {
    const res = await call(route, alice.id);
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
  });

  it.each(WRONG_CREDENTIALS)('refuses %s: 401', async (_name, headers) => {
    const res = await call(route, alice.id, headers());
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toBeDefined();
  });
});

describe('admin-only routes', () => {
  it.each(ADMIN_ROUTES)('$method $name is 403 for a non-admin', async (route) => {
    expectProblem(await call(route, alice.id, alice.headers), 403);
  });

  it.each(ADMIN_ROUTES)(
    '$method $name is 403 for an admin whose token lacks the admin scope',
    async (route) => {
      const narrow = await signUp(t, { admin: true, scope: 'accounts:read accounts:write' });
      expectProblem(await call(route, alice.id, narrow.headers), 403);
    },
  );
});

describe('admin-or-self routes', () => {
  it.each(SELF_ROUTES)("$method $name on someone else's account is 404, not 403", async (route) => {
    expectProblem(await call(route, bob.id, alice.headers), 404);
  });

  it.each(SELF_ROUTES)(
    '$method $name on an account that does not exist is 404, for admins too',
    async (route) => {
      expectProblem(await call(route, '01890a5d-ac96-774b-bcce-b302099a8057', admin.headers), 404);
    },
  );

  it.each(SELF_ROUTES)('$method $name with an id that is not a UUID is 422', async (route) => {
    expectProblem(await call(route, 'not-a-uuid', admin.headers), 422);
  });

  it.each(SELF_ROUTES)(
    "$method $name on someone else's account with an admin token lacking `admin` is 404",
    async (route) => {
      const narrow = await signUp(t, { admin: true, scope: 'accounts:read accounts:write' });
      expectProblem(await call(route, bob.id, narrow.headers), 404);
    },
  );

  it.each([
    ['GET', 'accounts:write', 403],
    ['PATCH', 'accounts:read', 403],
    ['DELETE', 'accounts:read', 403],
    ['GET', 'accounts:read', 200],
    ['PATCH', 'accounts:write', 200],
  ] as const)('%s on oneself with only %s is %i', async (method, scope, status) => {
    const user = await signUp(t, { scope });
    const route = SELF_ROUTES.find((r) => r.method === method)!;
    expect((await call(route, user.id, user.headers)).statusCode).toBe(status);
  });
});

describe('bad input is a problem+json 400 or 422', () => {
  const cases: [string, Method, string, unknown, number][] = [
    ['create: not an email', 'POST', '/v1/accounts', { email: 'nope', password: 'a-g00d-passphrase' }, 422],
    [
      'create: unknown field',
      'POST',
      '/v1/accounts',
      { email: 'x@example.com', password: 'a-g00d-passphrase', admin: true },
      422,
    ],
    ['list: limit 0', 'GET', '/v1/accounts?limit=0', undefined, 422],
    ['list: limit 101', 'GET', '/v1/accounts?limit=101', undefined, 422],
    ['list: forged cursor', 'GET', '/v1/accounts?cursor=Zm9yZ2Vk', undefined, 400],
    ['search: page_size 0', 'POST', '/v1/accounts/search', { paging: { page_size: 0 } }, 422],
    ['search: broken JSON', 'POST', '/v1/accounts/search', '{"paging":', 400],
  ];
  it.each(cases)('%s', async (_name, method, url, payload, status) => {
    const res = await t.app.inject({
      method,
      url,
      headers: {
        ...admin.headers,
        ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
    expectProblem(res, status);
  });

  it('PATCH with an unknown field is 422 naming it', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v1/accounts/${alice.id}`,
      headers: alice.headers,
      payload: { password: 'x' },
    });
    expectProblem(res, 422);
    expect(res.json().errors).toContainEqual(expect.objectContaining({ path: '/body/password' }));
  });
});

type HappyCase = [string, Method, () => string, (() => object) | undefined, number];

describe('happy paths', () => {
  it.each<HappyCase>([
    [
      'create',
      'POST',
      () => '/v1/accounts',
      () => ({ email: uniqueEmail(), password: 'a-g00d-passphrase' }),
      201,
    ],
    ['list', 'GET', () => '/v1/accounts', undefined, 200],
    ['search', 'POST', () => '/v1/accounts/search', () => ({}), 200],
    ['get another', 'GET', () => `/v1/accounts/${bob.id}`, undefined, 200],
    ['patch another', 'PATCH', () => `/v1/accounts/${bob.id}`, () => ({ first_name: 'Bob' }), 200],
  ])('an admin may %s', async (_name, method, url, body, status) => {
    const res = await t.app.inject({
      method,
      url: url(),
      headers: admin.headers,
      ...(body ? { payload: body() } : {}),
    });
    expect(res.statusCode, res.body).toBe(status);
  });

  it('an account reads, updates and deletes itself', async () => {
    const user = await signUp(t);
    const url = `/v1/accounts/${user.id}`;
    expect((await t.app.inject({ method: 'GET', url, headers: user.headers })).json().email).toBe(user.email);
    const patched = await t.app.inject({
      method: 'PATCH',
      url,
      headers: user.headers,
      payload: { last_name: 'Doe' },
    });
    expect(patched.json().last_name).toBe('Doe');
    expect((await t.app.inject({ method: 'DELETE', url, headers: user.headers })).statusCode).toBe(204);
  });

  it('an admin deletes another account', async () => {
    const user = await signUp(t);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${user.id}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });
});
