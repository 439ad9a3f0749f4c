// Any one credential may be stolen: minting an API key needs the password again (in the request, or a
// password sign-in within REAUTH_WINDOW), never an API key; keys expire within API_KEY_MAX_TTL; admins list
// one account's keys with ?owner_id=.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import {
  ageSignIns,
  basic,
  bearer,
  cookieLogin,
  PASSWORD,
  passwordGrant,
  signUp,
  type TestUser,
} from '../helpers/auth.ts';
import { buildAuthApp, expectProblem } from './setup.ts';

const MAX_TTL_DAYS = 30;
const DAY_MS = 86_400_000;
let t: TestApp;

beforeAll(async () => {
  t = await buildAuthApp({ API_KEY_MAX_TTL: `${MAX_TTL_DAYS}d` });
});
afterAll(() => t?.close());

const create = (headers: Record<string, string>, payload: object = { name: 'ci' }) =>
  t.app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload });
const list = (headers: Record<string, string>, query: string) =>
  t.app.inject({ method: 'GET', url: `/v1/api-keys${query}`, headers });

async function keyOf(user: TestUser, payload: object = { name: 'k' }): Promise<{ id: string; key: string }> {
  const res = await create(user.headers, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

type Kind = 'bearer' | 'cookie' | 'basic' | 'api_key';
type Freshness = 'fresh' | 'stale' | 'no password sign-in' | 'refreshed after going stale';

/** The account's credential of this kind, made as fresh or stale as asked. */
async function credential(kind: Kind, freshness: Freshness): Promise<Record<string, string>> {
  const user = await signUp(t);
  const headers: Record<string, string> =
    kind === 'bearer'
      ? user.headers
      : kind === 'basic'
        ? basic(user.email, PASSWORD)
        : kind === 'api_key'
          ? { 'x-auth': (await keyOf(user)).key }
          : await cookieHeaders(user);
  if (freshness === 'stale') await ageSignIns(t, user.id);
  if (freshness === 'no password sign-in') await ageSignIns(t, user.id, null);
  if (freshness === 'refreshed after going stale') {
    await ageSignIns(t, user.id);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: user.refreshToken },
    });
    expect(res.statusCode, res.body).toBe(200);
    return bearer(res.json().access_token);
  }
  return headers;
}

async function cookieHeaders(user: TestUser) {
  const session = await cookieLogin(t, user.email);
  return { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: session.origin };
}

const REAUTH = 'urn:bulwark:problem:reauthentication-required';
const FORBIDDEN = 'urn:bulwark:problem:forbidden';

describe('POST /v1/api-keys needs the password again', () => {
  type Case = [Kind, Freshness, 'none' | 'right' | 'wrong', number, string?];
  it.each<Case>([
    // Controls: a credential from a password sign-in moments ago, and Basic (the password is in the request).
    ['bearer', 'fresh', 'none', 201],
    ['cookie', 'fresh', 'none', 201],
    ['basic', 'fresh', 'none', 201],
    ['bearer', 'stale', 'none', 403, REAUTH],
    ['cookie', 'stale', 'none', 403, REAUTH],
    ['bearer', 'no password sign-in', 'none', 403, REAUTH],
    ['cookie', 'no password sign-in', 'none', 403, REAUTH],
    // A refresh keeps the time of the password check: it does not make the sign-in fresh again.
    ['bearer', 'refreshed after going stale', 'none', 403, REAUTH],
    ['bearer', 'stale', 'right', 201],
    ['cookie', 'stale', 'right', 201],
    ['bearer', 'stale', 'wrong', 422],
    ['bearer', 'fresh', 'wrong', 422],
    // A stolen key cannot breed keys, password or not.
    ['api_key', 'fresh', 'none', 403, FORBIDDEN],
    ['api_key', 'fresh', 'right', 403, FORBIDDEN],
  ])('%s, %s, current_password %s → %i %s', async (kind, freshness, password, status, type = '') => {
    const headers = await credential(kind, freshness);
    const current_password =
      password === 'right' ? PASSWORD : password === 'wrong' ? 'not-the-Password-1' : undefined;
    const res = await create(headers, { name: 'minted', current_password });
    expect(res.statusCode, res.body).toBe(status);
    if (status !== 201) expectProblem(res, status);
    if (type) expect(res.json().type).toBe(type);
    if (type === REAUTH) expect(res.json().detail).toMatch(/re-authentication is needed/i);
    if (status === 422)
      expect(res.json().errors).toEqual([{ path: '/body/current_password', message: expect.any(String) }]);
    if (status === 201) expect(res.json().key).toMatch(/^bwk_/);
    else expect(res.body).not.toMatch(/bwk_/);
  });

  it('a password sign-in 5 minutes old is still fresh (REAUTH_WINDOW, default 10 minutes)', async () => {
    const user = await signUp(t);
    await ageSignIns(t, user.id, 5 * 60);
    expect((await create(user.headers)).statusCode).toBe(201);
  });
});

describe('expires_at is capped by API_KEY_MAX_TTL', () => {
  const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

  it('absent → the cap', async () => {
    const user = await signUp(t);
    const before = Date.now();
    const { expires_at } = (await create(user.headers)).json();
    const expiresMs = Date.parse(expires_at);
    expect(expiresMs).toBeGreaterThanOrEqual(before + MAX_TTL_DAYS * DAY_MS - 1000);
    expect(expiresMs).toBeLessThanOrEqual(Date.now() + MAX_TTL_DAYS * DAY_MS);
  });

  it.each([
    ['a day', 1, 201],
    ['one day short of the cap', MAX_TTL_DAYS - 1, 201],
    ['a day beyond the cap', MAX_TTL_DAYS + 1, 422],
    ['ten years', 3650, 422],
  ])('%s → %i', async (_name, days, status) => {
    const user = await signUp(t);
    const expires_at = inDays(days);
    const res = await create(user.headers, { name: 'k', expires_at });
    expect(res.statusCode, res.body).toBe(status);
    if (status === 201) expect(Date.parse(res.json().expires_at)).toBe(Date.parse(expires_at));
    else
      expect(res.json().errors).toEqual([
        { path: '/body/expires_at', message: expect.stringContaining('API_KEY_MAX_TTL') },
      ]);
  });
});

describe('GET /v1/api-keys?owner_id=', () => {
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let aliceKey: string;
  let bobKey: string;
  beforeAll(async () => {
    [alice, bob, admin] = await Promise.all([signUp(t), signUp(t), signUp(t, { admin: true })]);
    aliceKey = (await keyOf(alice, { name: 'alice key' })).id;
    bobKey = (await keyOf(bob, { name: 'bob key' })).id;
  });
  const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((k) => k.id);

  it('an admin lists exactly that account’s keys', async () => {
    const res = await list(admin.headers, `?owner_id=${alice.id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(ids(res)).toEqual([aliceKey]);
    expect(res.json().items[0]).toMatchObject({ owner_id: alice.id, name: 'alice key' });
  });

  it('anyone may name their own id', async () => {
    const res = await list(bob.headers, `?owner_id=${bob.id}`);
    expect(ids(res)).toEqual([bobKey]);
  });

  it('an admin naming an account without keys gets an empty list', async () => {
    const res = await list(admin.headers, '?owner_id=01890a5d-ac96-774b-bcce-b302099a8057');
    expect(res.json()).toEqual({ items: [], next_cursor: null });
  });

  it.each<[string, number, () => Promise<Record<string, string>> | Record<string, string>, string]>([
    ['a user naming another account', 403, () => bob.headers, 'alice'],
    [
      'an admin token without the admin scope naming another account',
      403,
      async () => bearer((await passwordGrant(t, admin.email, PASSWORD, 'accounts:read')).accessToken),
      'alice',
    ],
    ['an owner_id that is no UUID', 422, () => admin.headers, 'nope'],
    ['owner_id together with all=true', 422, () => admin.headers, 'alice&all=true'],
  ])('%s → %i', async (_name, status, headers, owner) => {
    const query = `?owner_id=${owner.replace('alice', alice.id)}`;
    const res = await list(await headers(), query);
    expectProblem(res, status);
    expect(res.body).not.toContain(aliceKey);
  });
});
