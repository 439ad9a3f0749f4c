// Refresh tokens: opaque, single use, rotated; reuse revokes the whole family and its access tokens.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens, sessions } from '../../src/db/schema/sessions.ts';
import type { TestApp } from '../helpers/app.ts';
import { bearer, passwordGrant, signUp, type TestUser } from '../helpers/auth.ts';
import { decodeJwt } from '../helpers/jwt.ts';
import { buildAuthApp, expectUnauthenticated, getMe } from './setup.ts';

let t: TestApp;
let alice: TestUser;

beforeAll(async () => {
  t = await buildAuthApp();
  alice = await signUp(t);
});
afterAll(() => t?.close());

type Via = 'refresh' | 'token-form' | 'token-json';
const VIAS: Via[] = ['refresh', 'token-form', 'token-json'];

function useRefresh(refreshToken: string, via: Via = 'refresh') {
  if (via === 'refresh')
    return t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: refreshToken },
    });
  const body = { grant_type: 'refresh_token', refresh_token: refreshToken };
  return via === 'token-json'
    ? t.app.inject({ method: 'POST', url: '/v1/auth/token', payload: body })
    : t.app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(body).toString(),
      });
}
const sessionOf = (accessToken: string) => String(decodeJwt(accessToken).payload.sid);
const sessionRow = async (id: string) =>
  (await t.db.database.db.select().from(sessions).where(eq(sessions.id, id)))[0]!;
const login = () => passwordGrant(t, alice.email);

describe('rotation', () => {
  it.each(VIAS)(
    'via %s: a new pair in the same family, no-store; the old refresh token is spent',
    async (via) => {
      const first = await login();
      const res = await useRefresh(first.refreshToken, via);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const next = res.json();
      expect(next).toMatchObject({
        token_type: 'bearer',
        expires_in: 900,
        scope: expect.stringContaining('accounts:read'),
      });
      expect(next.refresh_token).not.toBe(first.refreshToken);
      expect(next.access_token).not.toBe(first.accessToken);
      expect(sessionOf(next.access_token)).toBe(sessionOf(first.accessToken));
      expect((await getMe(t.app, bearer(next.access_token))).json()).toMatchObject({
        id: alice.id,
        auth_method: 'bearer',
      });
      const used = await t.db.database.db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.sessionId, sessionOf(first.accessToken)));
      expect(used.map((r) => r.usedAt !== null).sort()).toEqual([false, true]);
    },
  );

  it('stores only a hash of the refresh token', async () => {
    const { refreshToken, accessToken } = await login();
    const rows = await t.db.database.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.sessionId, sessionOf(accessToken)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(refreshToken);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps a narrowed scope', async () => {
    const narrow = await passwordGrant(t, alice.email, alice.password, 'accounts:read');
    const res = await useRefresh(narrow.refreshToken);
    expect(res.json().scope).toBe('accounts:read');
    expect(decodeJwt(res.json().access_token).payload.scope).toBe('accounts:read');
  });
});

describe('reuse', () => {
  it.each(VIAS)(
    'via %s: a spent token revokes the family: its refresh and access tokens die, others live',
    async (via) => {
      const first = await login();
      const other = await login();
      const second = (await useRefresh(first.refreshToken, via)).json();
      expect((await getMe(t.app, bearer(second.access_token))).statusCode).toBe(200);

      const replay = await useRefresh(first.refreshToken, via);
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toEqual({
        error: 'invalid_grant',
        error_description: expect.stringMatching(/already used/),
      });
      expect(replay.headers['www-authenticate']).toMatch(/^Bearer realm="bulwark", error="invalid_grant"/);

      expect((await useRefresh(second.refresh_token, via)).statusCode).toBe(401);
      expectUnauthenticated(await getMe(t.app, bearer(second.access_token)), 'invalid_token');
      expectUnauthenticated(await getMe(t.app, bearer(first.accessToken)), 'invalid_token');
      expect(await sessionRow(sessionOf(first.accessToken))).toMatchObject({
        revokedReason: 'refresh_token_reuse',
        revokedAt: expect.any(Date),
      });

      expect((await getMe(t.app, bearer(other.accessToken))).statusCode).toBe(200);
      expect((await useRefresh(other.refreshToken, via)).statusCode).toBe(200);
    },
  );

  it('two concurrent uses of one token: one wins, the other is reuse and kills the family', async () => {
    const first = await login();
    const results = await Promise.all([useRefresh(first.refreshToken), useRefresh(first.refreshToken)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.statusCode === 200)!.json();
    expect((await getMe(t.app, bearer(winner.access_token))).statusCode).toBe(401);
    expect((await sessionRow(sessionOf(first.accessToken))).revokedReason).toBe('refresh_token_reuse');
  });
});

describe('refused refresh tokens', () => {
  it.each([
    ['an unknown token', () => 'x'.repeat(43), 'refresh'],
    ['an unknown token', () => 'x'.repeat(43), 'token-form'],
    ['a refresh token of 512 characters', () => 'x'.repeat(512), 'token-json'],
  ] as const)('%s (via %s) → 401 invalid_grant', async (_name, token, via) => {
    const res = await useRefresh(token(), via);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_grant');
  });

  it.each([
    ['/v1/auth/refresh without refresh_token', '/v1/auth/refresh', {}],
    ['/v1/auth/refresh with an empty token', '/v1/auth/refresh', { refresh_token: '' }],
    ['/v1/auth/token refresh grant without it', '/v1/auth/token', { grant_type: 'refresh_token' }],
    // Both endpoints bound the token at 512 characters (ours are 43), so the same junk gets the same answer.
    ['/v1/auth/refresh with 513 characters', '/v1/auth/refresh', { refresh_token: 'x'.repeat(513) }],
    [
      '/v1/auth/token with 513 characters',
      '/v1/auth/token',
      { grant_type: 'refresh_token', refresh_token: 'x'.repeat(513) },
    ],
  ])('%s → 400 invalid_request', async (_name, url, payload) => {
    const res = await t.app.inject({ method: 'POST', url, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it.each(['/v1/auth/refresh', '/v1/auth/token'])(
    '%s with a body that is not JSON → 400 invalid_request in the OAuth format',
    async (url) => {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: '{"refresh_token":',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
      expect(res.headers['cache-control']).toBe('no-store');
    },
  );

  it('an expired refresh token → 401, and it does not count as reuse', async () => {
    const first = await login();
    await t.db.database.db
      .update(refreshTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(refreshTokens.sessionId, sessionOf(first.accessToken)));
    expect((await useRefresh(first.refreshToken)).statusCode).toBe(401);
    expect((await sessionRow(sessionOf(first.accessToken))).revokedAt).toBeNull();
  });
});

describe('POST /v1/auth/logout with a bearer token', () => {
  it("ends that session: its access and refresh tokens are refused, the account's other sessions live", async () => {
    const first = await login();
    const other = await login();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(first.accessToken),
    });
    expect(res.statusCode).toBe(204);
    expectUnauthenticated(await getMe(t.app, bearer(first.accessToken)), 'invalid_token');
    expect((await useRefresh(first.refreshToken)).statusCode).toBe(401);
    expect((await sessionRow(sessionOf(first.accessToken))).revokedReason).toBe('logout');
    expect((await getMe(t.app, bearer(other.accessToken))).statusCode).toBe(200);
  });

  it('without a credential → 401', async () => {
    expectUnauthenticated(await t.app.inject({ method: 'POST', url: '/v1/auth/logout' }));
  });
});
