// Sessions end SESSION_MAX_AGE after the sign-in, however often they are refreshed or used (ASVS 3.3.2).
// Time is moved in the session's row, not waited for.
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.ts';
import { refreshTokens, sessions } from '../../src/db/schema/sessions.ts';
import type { TestApp } from '../helpers/app.ts';
import { cookieLogin, passwordGrant, signUp, type TestUser } from '../helpers/auth.ts';
import { decodeJwt } from '../helpers/jwt.ts';
import { buildAuthApp, getMe } from './setup.ts';

const DAY = 86_400_000;

let t: TestApp;
let alice: TestUser;

beforeAll(async () => {
  t = await buildAuthApp();
  alice = await signUp(t);
});
afterAll(() => t?.close());

const db = () => t.db.database.db;
const sessionRow = async (id: string) => (await db().select().from(sessions).where(eq(sessions.id, id)))[0]!;
const refresh = (refresh_token: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grant_type: 'refresh_token', refresh_token },
  });

/** A new refresh family, its session id and its row. */
async function signIn() {
  const pair = await passwordGrant(t, alice.email);
  const id = String(decodeJwt(pair.accessToken).payload.sid);
  return { ...pair, id, row: await sessionRow(id) };
}

/** Moves a session's times `ms` into the past, as if it had been signed in that much earlier. */
async function age(id: string, ms: number, { end = true } = {}) {
  const row = await sessionRow(id);
  await db()
    .update(sessions)
    .set({
      createdAt: new Date(row.createdAt.getTime() - ms),
      ...(end ? { expiresAt: new Date(row.expiresAt.getTime() - ms) } : {}),
    })
    .where(eq(sessions.id, id));
  // Another instance would see the row within the revocation bound; this one is told at once.
  t.app.auth.rt.authenticator.forgetSession(id);
}

describe('refresh-token families (SESSION_MAX_AGE=30d by default)', () => {
  it('end 30 days after the sign-in, and refreshing does not move that', async () => {
    const first = await signIn();
    const end = first.row.expiresAt.getTime();
    expect(end - first.row.createdAt.getTime()).toBe(30 * DAY);
    let token = first.refreshToken;
    for (let i = 0; i < 3; i++) {
      const res = await refresh(token);
      expect(res.statusCode, res.body).toBe(200);
      token = res.json().refresh_token;
    }
    expect((await sessionRow(first.id)).expiresAt.getTime()).toBe(end);
    const tokens = await db().select().from(refreshTokens).where(eq(refreshTokens.sessionId, first.id));
    for (const row of tokens) expect(row.expiresAt.getTime()).toBeLessThanOrEqual(end);
  });

  it.each<[string, number, { end: boolean }, number]>([
    ['control: signed in 29 days ago → refreshed', 29 * DAY, { end: true }, 200],
    ['signed in 30 days and a minute ago → 401 invalid_grant', 30 * DAY + 60_000, { end: true }, 401],
    // A family whose end older code kept pushing forward: the sign-in time alone ends it.
    ['signed in 31 days ago, its end pushed ahead → 401 invalid_grant', 31 * DAY, { end: false }, 401],
  ])('%s', async (_name, ms, options, status) => {
    const session = await signIn();
    await age(session.id, ms, options);
    const res = await refresh(session.refreshToken);
    expect(res.statusCode, res.body).toBe(status);
    if (status === 401) {
      expect(res.json()).toMatchObject({ error: 'invalid_grant' });
      // Its access tokens end with it.
      expect((await getMe(t.app, { authorization: `Bearer ${session.accessToken}` })).statusCode).toBe(401);
    } else {
      // The successor cannot outlive the sign-in: a day left, not another 30.
      const live = await db().select().from(refreshTokens).where(eq(refreshTokens.sessionId, session.id));
      const latest = Math.max(...live.filter((r) => !r.usedAt).map((r) => r.expiresAt.getTime()));
      expect(latest).toBeLessThanOrEqual(Date.now() + DAY + 60_000);
    }
  });
});

describe('cookie sessions', () => {
  it.each<[string, number, number]>([
    ['control: signed in 6 days ago → 200', 6 * DAY, 200],
    ['signed in 31 days ago, its end pushed ahead → 401', 31 * DAY, 401],
  ])('%s', async (_name, ms, status) => {
    const { cookie } = await cookieLogin(t, alice.email);
    const [newest] = await db()
      .select()
      .from(sessions)
      .where(eq(sessions.kind, 'cookie'))
      .orderBy(desc(sessions.createdAt))
      .limit(1);
    expect(newest!.expiresAt.getTime() - newest!.createdAt.getTime()).toBe(7 * DAY);
    await age(newest!.id, ms, { end: false });
    expect((await getMe(t.app, { cookie })).statusCode).toBe(status);
  });
});

describe('SESSION_MAX_AGE and SESSION_COOKIE_MAX_AGE', () => {
  it.each<[string, Record<string, string>, number, number]>([
    ['defaults', {}, 30 * 86_400, 7 * 86_400],
    // Before, SESSION_MAX_AGE was the cookie session's lifetime: set alone, it still is.
    ['SESSION_MAX_AGE alone', { SESSION_MAX_AGE: '14d' }, 14 * 86_400, 14 * 86_400],
    ['SESSION_MAX_AGE below the cookie default', { SESSION_MAX_AGE: '1d' }, 86_400, 86_400],
    ['both', { SESSION_MAX_AGE: '30d', SESSION_COOKIE_MAX_AGE: '12h' }, 30 * 86_400, 12 * 3600],
  ])('%s', (_name, env, absolute, cookie) => {
    const config = loadConfig(env);
    expect(config.sessionMaxAgeSeconds).toBe(absolute);
    expect(config.cookieSessionMaxAgeSeconds).toBe(cookie);
  });

  it('refuses a cookie session longer than SESSION_MAX_AGE', () => {
    expect(() => loadConfig({ SESSION_MAX_AGE: '1d', SESSION_COOKIE_MAX_AGE: '2d' })).toThrow(
      /SESSION_COOKIE_MAX_AGE/,
    );
  });

  it('SESSION_MAX_AGE=1h: a family ends an hour after its sign-in, whatever its row says', async () => {
    const short = await buildAuthApp({ SESSION_MAX_AGE: '1h' });
    try {
      await signUp(short, { email: alice.email });
      const pair = await passwordGrant(short, alice.email);
      const id = String(decodeJwt(pair.accessToken).payload.sid);
      const [row] = await short.db.database.db.select().from(sessions).where(eq(sessions.id, id));
      expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(3600_000);
      await short.db.database.db
        .update(sessions)
        .set({ createdAt: new Date(Date.now() - 3601_000), expiresAt: new Date(Date.now() + DAY) })
        .where(eq(sessions.id, id));
      const res = await short.app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        payload: { grant_type: 'refresh_token', refresh_token: pair.refreshToken },
      });
      expect(res.statusCode).toBe(401);
    } finally {
      await short.close();
    }
  });
});
