// Cookie sign-in: the cookies' attributes, CSRF (token and Origin) on unsafe methods, cross-origin reads,
// and logout.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/crypto/tokens.ts';
import { sessions } from '../../src/db/schema/sessions.ts';
import type { TestApp } from '../helpers/app.ts';
import { cookieLogin, PASSWORD, signUp, type TestUser } from '../helpers/auth.ts';
import { buildAuthApp, expectProblem, expectUnauthenticated, getMe } from './setup.ts';

const PUBLIC_ORIGIN = 'https://app.example.com';
const CORS_ORIGIN = 'https://admin.example.com';
const EVIL_ORIGIN = 'https://evil.example';

let t: TestApp;
let alice: TestUser;

beforeAll(async () => {
  t = await buildAuthApp({ PUBLIC_URL: `${PUBLIC_ORIGIN}/`, CORS_ORIGINS: CORS_ORIGIN });
  alice = await signUp(t);
});
afterAll(() => t?.close());

const loginRequest = (app: TestApp, payload: object | string, form = false) =>
  app.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    ...(form ? { headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
    payload: payload as string,
  });
/** An unsafe request needing no scope: creating an API key. */
const unsafe = (headers: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload: { name: 'via cookie' } });

describe('POST /v1/auth/login', () => {
  it.each([
    ['JSON with email', { email: 'EMAIL', password: PASSWORD }, false],
    ['a form with username', new URLSearchParams({ username: 'EMAIL', password: PASSWORD }).toString(), true],
  ])(
    '%s → 200 {user, csrf_token}, an HttpOnly SameSite=Lax session cookie and a readable CSRF cookie',
    async (_n, body, form) => {
      const payload =
        typeof body === 'string'
          ? body.replace('EMAIL', encodeURIComponent(alice.email))
          : { ...body, email: alice.email };
      const res = await loginRequest(t, payload, form);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        user: { id: alice.id, email: alice.email },
        csrf_token: expect.any(String),
      });
      expect(res.body).not.toMatch(/password|argon2/i);
      const session = res.cookies.find((c) => c.name === 'bulwark_session')!;
      const csrf = res.cookies.find((c) => c.name === 'bulwark_csrf')!;
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(session.secure).toBeFalsy();
      expect(session.value.length).toBeGreaterThanOrEqual(43);
      expect(csrf.httpOnly).toBeFalsy();
      expect(csrf).toMatchObject({ sameSite: 'Lax', value: res.json().csrf_token });
    },
  );

  it('sets Secure on both cookies in production', async () => {
    const prod = await buildAuthApp({ NODE_ENV: 'production', MASTER_KEY: randomBytes(32).toString('hex') });
    try {
      const user = await signUp(prod);
      const res = await loginRequest(prod, { email: user.email, password: PASSWORD });
      expect(res.statusCode).toBe(200);
      const cookies = res.headers['set-cookie'] as string[];
      expect(cookies).toHaveLength(2);
      for (const cookie of cookies) expect(cookie).toMatch(/; Secure/);
      expect(res.cookies.find((c) => c.name === 'bulwark_session')).toMatchObject({
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      });
    } finally {
      await prod.close();
    }
  });

  it.each([
    ['a wrong password', () => ({ email: alice.email, password: 'Wr0ng-password-42' }), 401],
    ['an unknown email', () => ({ email: 'nobody@example.com', password: PASSWORD }), 401],
    ['neither email nor username', () => ({ password: PASSWORD }), 422],
    ['no password', () => ({ email: alice.email }), 422],
  ])('%s → %i and no cookie', async (_name, body, status) => {
    const res = await loginRequest(t, body());
    expectProblem(res, status);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('requests with the session cookie', () => {
  it('GET needs no CSRF token and resolves to a session principal', async () => {
    const { cookie } = await cookieLogin(t, alice.email);
    const res = await getMe(t.app, { cookie });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: alice.id, auth_method: 'session' });
  });

  type Case = [string, (csrf: string, other: string) => Record<string, string>, number];
  it.each<Case>([
    ['no X-CSRF-Token', () => ({ origin: PUBLIC_ORIGIN }), 403],
    ['a wrong X-CSRF-Token', () => ({ origin: PUBLIC_ORIGIN, 'x-csrf-token': 'A'.repeat(43) }), 403],
    ['an empty X-CSRF-Token', () => ({ 'x-csrf-token': '' }), 403],
    [
      "another session's CSRF token",
      (_csrf, other) => ({ origin: PUBLIC_ORIGIN, 'x-csrf-token': other }),
      403,
    ],
    ['the right token from a foreign Origin', (csrf) => ({ origin: EVIL_ORIGIN, 'x-csrf-token': csrf }), 403],
    ['the right token from Origin: null', (csrf) => ({ origin: 'null', 'x-csrf-token': csrf }), 403],
    [
      'the right token from a look-alike Origin',
      (csrf) => ({ origin: `${PUBLIC_ORIGIN}.evil.example`, 'x-csrf-token': csrf }),
      403,
    ],
    [
      'the right token from PUBLIC_URL’s origin',
      (csrf) => ({ origin: PUBLIC_ORIGIN, 'x-csrf-token': csrf }),
      201,
    ],
    [
      'the right token from a CORS_ORIGINS origin',
      (csrf) => ({ origin: CORS_ORIGIN, 'x-csrf-token': csrf }),
      201,
    ],
    // Without Origin, the Referer's origin stands in (OWASP); with neither, the request is refused.
    ['the right token and neither Origin nor Referer', (csrf) => ({ 'x-csrf-token': csrf }), 403],
    [
      'the right token, no Origin, a Referer on PUBLIC_URL',
      (csrf) => ({ referer: `${PUBLIC_ORIGIN}/account/settings?tab=1`, 'x-csrf-token': csrf }),
      201,
    ],
    [
      'the right token, no Origin, a foreign Referer',
      (csrf) => ({ referer: `${EVIL_ORIGIN}/${PUBLIC_ORIGIN}/`, 'x-csrf-token': csrf }),
      403,
    ],
    [
      'the right token, no Origin, a garbage Referer',
      (csrf) => ({ referer: 'not a url', 'x-csrf-token': csrf }),
      403,
    ],
    [
      'the right token, an allowed Referer but a foreign Origin',
      (csrf) => ({ origin: EVIL_ORIGIN, referer: `${PUBLIC_ORIGIN}/`, 'x-csrf-token': csrf }),
      403,
    ],
  ])('an unsafe request with %s → %i', async (_name, headers, status) => {
    const { cookie, csrf } = await cookieLogin(t, alice.email);
    const other = await cookieLogin(t, alice.email);
    const res = await unsafe({ cookie, ...headers(csrf, other.csrf) });
    if (status === 201) expect(res.statusCode, res.body).toBe(201);
    else expectProblem(res, status);
  });

  it('a cross-origin read gets no CORS grant; an allowed origin gets one with credentials', async () => {
    const { cookie } = await cookieLogin(t, alice.email);
    const evil = await getMe(t.app, { cookie, origin: EVIL_ORIGIN });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await getMe(t.app, { cookie, origin: CORS_ORIGIN });
    expect(allowed.headers['access-control-allow-origin']).toBe(CORS_ORIGIN);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/api-keys',
      headers: {
        origin: EVIL_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-csrf-token',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['a made-up cookie', () => 'bulwark_session=' + 'A'.repeat(43)],
    ['an empty cookie', () => 'bulwark_session='],
  ])('%s → 401 (or no principal)', async (_name, cookie) => {
    expectUnauthenticated(await getMe(t.app, { cookie: cookie() }));
  });
});

describe('POST /v1/auth/logout with the cookie', () => {
  it('clears both cookies and ends the session', async () => {
    const { cookie, csrf } = await cookieLogin(t, alice.email);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrf, origin: PUBLIC_ORIGIN },
    });
    expect(res.statusCode).toBe(204);
    const cleared = Object.fromEntries(res.cookies.map((c) => [c.name, c]));
    for (const name of ['bulwark_session', 'bulwark_csrf']) {
      expect(cleared[name]).toBeDefined();
      expect(cleared[name]!.value).toBe('');
      expect(
        cleared[name]!.maxAge === 0 || (cleared[name]!.expires?.getTime() ?? Infinity) <= Date.now(),
      ).toBe(true);
    }
    expectUnauthenticated(await getMe(t.app, { cookie }));
    const rows = await t.db.database.db.select().from(sessions).where(eq(sessions.accountId, alice.id));
    expect(rows.filter((s) => s.kind === 'cookie' && s.revokedReason === 'logout')).toHaveLength(1);
  });

  it('without the CSRF token → 403 and the session lives on', async () => {
    const { cookie } = await cookieLogin(t, alice.email);
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { cookie } }), 403);
    expect((await getMe(t.app, { cookie })).statusCode).toBe(200);
  });

  it('a session past its expiry → 401', async () => {
    const { cookie } = await cookieLogin(t, alice.email);
    const value = /bulwark_session=([^;]+)/.exec(cookie)![1]!;
    const db = t.db.database.db;
    const [row] = await db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.tokenHash, sha256(value)))
      .returning();
    expect(row?.kind).toBe('cookie');
    t.app.auth.rt.authenticator.forgetSession(row!.id);
    expectUnauthenticated(await getMe(t.app, { cookie }));
  });
});
