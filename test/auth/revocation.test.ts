// Revoked credentials are refused at once by the instance that made the change, within 5 s by every
// other instance (the 2 s cache bound), and almost at once with Redis's invalidation bus.
import { connect } from 'node:net';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema/accounts.ts';
import { REVOCATION_BOUND_MS } from '../../src/modules/auth/account-state.ts';
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
import { decodeJwt } from '../helpers/jwt.ts';
import { buildAuthApp, buildSecondInstance, getMe, within } from './setup.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(REDIS_URL);
  const socket = connect({ host: hostname, port: Number(port || 6379), timeout: 1000 });
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
  socket.once('timeout', () => (socket.destroy(), resolve(false)));
});

const status = async (app: FastifyInstance, headers: Record<string, string>) =>
  (await getMe(app, headers)).statusCode;
const patch = (app: FastifyInstance, id: string, payload: object, headers: Record<string, string>) =>
  app.inject({ method: 'PATCH', url: `/v1/accounts/${id}`, headers, payload });
async function apiKey(app: FastifyInstance, user: TestUser): Promise<{ id: string; key: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: user.headers,
    payload: { name: 'k' },
  });
  return res.json();
}

describe('on the instance that makes the change: at once', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await buildAuthApp();
    admin = await signUp(t, { admin: true });
  });
  afterAll(() => t?.close());

  async function everyScheme(user: TestUser) {
    const { cookie } = await cookieLogin(t, user.email);
    return {
      bearer: user.headers,
      api_key: { 'x-auth': (await apiKey(t.app, user)).key },
      session: { cookie },
      basic: basic(user.email, PASSWORD),
    };
  }
  const statuses = async (credentials: Record<string, Record<string, string>>) =>
    Object.fromEntries(
      await Promise.all(Object.entries(credentials).map(async ([k, h]) => [k, await status(t.app, h)])),
    );

  it('a role change refuses the access tokens issued before it; a new one works', async () => {
    const user = await signUp(t);
    expect((await patch(t.app, user.id, { roles: ['admin', 'user'] }, admin.headers)).statusCode).toBe(200);
    expect(await status(t.app, user.headers)).toBe(401);
    expect(await status(t.app, bearer((await passwordGrant(t, user.email)).accessToken))).toBe(200);
  });

  it('deactivation refuses every scheme', async () => {
    const user = await signUp(t);
    const credentials = await everyScheme(user);
    expect(await statuses(credentials)).toEqual({ bearer: 200, api_key: 200, session: 200, basic: 200 });
    expect((await patch(t.app, user.id, { is_active: false }, admin.headers)).statusCode).toBe(200);
    expect(await statuses(credentials)).toEqual({ bearer: 401, api_key: 401, session: 401, basic: 401 });
  });

  it("a password change ends the account's other sessions and the old password; the caller's session stays", async () => {
    const user = await signUp(t);
    const other = await passwordGrant(t, user.email);
    const { cookie } = await cookieLogin(t, user.email);
    const newPassword = 'An0ther-g00d-passphrase';
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: user.headers,
      payload: { current_password: PASSWORD, new_password: newPassword },
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(await status(t.app, bearer(other.accessToken))).toBe(401);
    expect(await status(t.app, { cookie })).toBe(401);
    expect(await status(t.app, basic(user.email, PASSWORD))).toBe(401);
    expect(await status(t.app, basic(user.email, newPassword))).toBe(200);
    expect(await status(t.app, user.headers)).toBe(200);
  });

  it('a change made behind its back (straight in the database) is seen within the cache bound', async () => {
    const user = await signUp(t);
    expect(await status(t.app, user.headers)).toBe(200);
    await t.db.database.db.update(accounts).set({ isActive: false }).where(eq(accounts.id, user.id));
    const took = await within(5000, async () => (await status(t.app, user.headers)) === 401);
    expect(took).toBeDefined();
    expect(took!).toBeLessThanOrEqual(REVOCATION_BOUND_MS + 1000);
  });
});

describe.each([
  ['without Redis: within 5 s', {}, 5000],
  ['with Redis: almost at once, by the invalidation bus', { REDIS_URL }, REVOCATION_BOUND_MS],
] as const)('on a second instance, %s', (name, env, bound) => {
  const skip = 'REDIS_URL' in env && !redisUp;
  let a: TestApp;
  let b: FastifyInstance;
  let admin: TestUser;
  beforeAll(async () => {
    if (skip) return;
    a = await buildAuthApp(env);
    b = await buildSecondInstance(a, env);
    admin = await signUp(a, { admin: true });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /**
   * B accepts the credential (caching it), A revokes it, then B must refuse it: within `bound` of the
   * moment B cached it — for Redis that is sooner than B's cache could have expired by itself.
   */
  async function revokedOnB(
    headers: Record<string, string>,
    revokeOnA: () => Promise<number>,
  ): Promise<void> {
    expect(await status(b, headers)).toBe(200);
    const cachedAt = Date.now();
    expect(await status(b, headers)).toBe(200);
    expect(await revokeOnA()).toBeLessThan(300);
    const took = await within(bound + 3000, async () => (await status(b, headers)) === 401);
    expect(took, `${name}: still accepted`).toBeDefined();
    expect(Date.now() - cachedAt).toBeLessThan(bound);
  }

  it.skipIf(skip)('logout on A refuses the access token on B', async () => {
    const user = await signUp(a);
    await revokedOnB(
      user.headers,
      async () =>
        (await a.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: user.headers })).statusCode,
    );
  });

  it.skipIf(skip)('deactivation on A refuses the token on B', async () => {
    const user = await signUp(a);
    await revokedOnB(
      user.headers,
      async () => (await patch(a.app, user.id, { is_active: false }, admin.headers)).statusCode,
    );
  });

  it.skipIf(skip)('revoking an API key on A refuses it on B', async () => {
    const user = await signUp(a);
    const { id, key } = await apiKey(a.app, user);
    await revokedOnB(
      { 'x-auth': key },
      async () =>
        (await a.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: user.headers }))
          .statusCode,
    );
  });

  it.skipIf(skip)('a token signed with a key rotated in on A verifies on B', async () => {
    const kid = await a.app.auth.keys.rotate();
    const user = await signUp(a);
    expect(decodeJwt(user.token).header.kid).toBe(kid);
    expect(await status(b, user.headers)).toBe(200);
  });
});
