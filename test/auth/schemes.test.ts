// Every scheme resolves to one principal; 401 names the schemes; 403 for a credential without the scope;
// an inactive account is refused by every scheme.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema/accounts.ts';
import type { TestApp } from '../helpers/app.ts';
import {
  basic,
  bearer,
  cookieLogin,
  passwordGrant,
  signUp,
  PASSWORD,
  type TestUser,
} from '../helpers/auth.ts';
import { buildAuthApp, expectProblem, expectUnauthenticated, getMe } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let admin: TestUser;

beforeAll(async () => {
  t = await buildAuthApp();
  alice = await signUp(t);
  admin = await signUp(t, { admin: true });
});
afterAll(() => t?.close());

type Scheme = 'bearer' | 'api_key' | 'session' | 'basic';
const SCHEMES: Scheme[] = ['bearer', 'api_key', 'session', 'basic'];

async function apiKey(user: TestUser, scopes?: string[]): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: user.headers,
    payload: { name: 'k', ...(scopes ? { scopes } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().key as string;
}

/** Headers proving `user` by `scheme` (fresh credentials each time). */
async function credential(user: TestUser, scheme: Scheme): Promise<Record<string, string>> {
  switch (scheme) {
    case 'bearer':
      return bearer((await passwordGrant(t, user.email)).accessToken);
    case 'api_key':
      return { 'x-auth': await apiKey(user) };
    case 'session':
      return { cookie: (await cookieLogin(t, user.email)).cookie };
    case 'basic':
      return basic(user.email, PASSWORD);
  }
}

describe('one principal, whatever the scheme', () => {
  it.each(SCHEMES)('GET /v1/auth/me by %s', async (scheme) => {
    const res = await getMe(t.app, await credential(alice, scheme));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      id: alice.id,
      email: alice.email,
      name: null,
      roles: ['user'],
      email_verified: false,
      created_at: expect.any(String),
      auth_method: scheme,
      scopes: expect.arrayContaining(['accounts:read', 'accounts:write']),
    });
  });

  it('X-API-Key is an alias of X-Auth', async () => {
    const res = await getMe(t.app, { 'x-api-key': await apiKey(alice) });
    expect(res.json()).toMatchObject({ id: alice.id, auth_method: 'api_key' });
  });
});

describe('401', () => {
  it.each([
    ['no credential', {}],
    ['an unknown scheme', { authorization: 'Digest username="a"' }],
    ['a scheme with no value', { authorization: 'Bearer' }],
    ['a bearer token that is no JWT', { authorization: 'Bearer abc' }],
    ['an unknown API key', { 'x-auth': `bwk_000000000000_${'A'.repeat(43)}` }],
    ['a malformed API key', { 'x-auth': 'letmein' }],
  ])('%s → 401 with WWW-Authenticate naming Bearer, ApiKey and Basic', async (_name, headers) => {
    const res = await getMe(t.app, headers);
    expectUnauthenticated(res);
    const challenge = String(res.headers['www-authenticate']);
    expect(challenge).toContain('Basic realm="bulwark"');
  });
});

describe('403: a valid credential without the scope (GET /v1/accounts needs `admin`)', () => {
  type Row = [string, () => Promise<Record<string, string>>, number];
  it.each<Row>([
    ['an admin bearer token', async () => admin.headers, 200],
    [
      'an admin bearer token narrowed to accounts:read',
      async () => bearer((await passwordGrant(t, admin.email, PASSWORD, 'accounts:read')).accessToken),
      403,
    ],
    ["an admin's API key", async () => ({ 'x-auth': await apiKey(admin) }), 200],
    [
      "an admin's API key with only accounts:read",
      async () => ({ 'x-auth': await apiKey(admin, ['accounts:read']) }),
      403,
    ],
    ["an admin's cookie session", () => credential(admin, 'session'), 200],
    ["an admin's Basic", () => credential(admin, 'basic'), 200],
    ...SCHEMES.map((scheme): Row => [`a user's ${scheme}`, () => credential(alice, scheme), 403]),
  ])('%s → %i', async (_name, headers, status) => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: await headers() });
    if (status === 200) expect(res.statusCode, res.body).toBe(200);
    else expectProblem(res, status);
  });
});

describe('an inactive account', () => {
  it('is refused by every scheme and can neither sign in again nor refresh', async () => {
    const user = await signUp(t);
    const held = Object.fromEntries(
      await Promise.all(SCHEMES.map(async (s) => [s, await credential(user, s)] as const)),
    );
    for (const scheme of SCHEMES) expect((await getMe(t.app, held[scheme])).statusCode, scheme).toBe(200);

    await t.db.database.db.update(accounts).set({ isActive: false }).where(eq(accounts.id, user.id));
    t.app.auth.rt.authenticator.forgetAccount(user.id);

    for (const scheme of SCHEMES) expectUnauthenticated(await getMe(t.app, held[scheme]));
    const grant = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { username: user.email, password: PASSWORD },
    });
    expect(grant.statusCode).toBe(401);
    expect(grant.json().error).toBe('invalid_grant');
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/auth/refresh',
          payload: { refresh_token: user.refreshToken },
        })
      ).statusCode,
    ).toBe(401);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: PASSWORD },
      }),
      401,
    );
  });
});
