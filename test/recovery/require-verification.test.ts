// REQUIRE_EMAIL_VERIFICATION=on: no sign-in (password grant, cookie login, Basic) before the address is verified.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, PASSWORD, register, uniqueEmail } from '../helpers/auth.ts';
import { buildRecoveryApp, nextAddress, type RecoveryTestApp } from './setup.ts';

let t: RecoveryTestApp;
beforeAll(async () => {
  t = await buildRecoveryApp({ REQUIRE_EMAIL_VERIFICATION: 'on' });
});
afterAll(() => t?.close());

const NOT_VERIFIED = /email address is not verified/i;
const grant = (username: string, password = PASSWORD) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grant_type: 'password', username, password },
    remoteAddress: nextAddress(),
  });
const login = (email: string, password = PASSWORD) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    remoteAddress: nextAddress(),
  });
const me = (email: string, password = PASSWORD) =>
  t.app.inject({
    method: 'GET',
    url: '/v1/auth/me',
    headers: basic(email, password),
    remoteAddress: nextAddress(),
  });

describe('REQUIRE_EMAIL_VERIFICATION=on', () => {
  it('refuses every password sign-in of an unverified account, saying why', async () => {
    const email = uniqueEmail('unverified');
    await register(t, email);

    const token = await grant(email);
    expect(token.statusCode).toBe(401);
    expect(token.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(NOT_VERIFIED),
    });
    expect(token.headers['www-authenticate']).toContain('invalid_grant');

    const cookie = await login(email);
    expect(cookie.statusCode).toBe(403);
    expect(cookie.json().detail).toMatch(NOT_VERIFIED);
    expect(cookie.headers['set-cookie']).toBeUndefined();

    const viaBasic = await me(email);
    expect(viaBasic.statusCode).toBe(403);
    expect(viaBasic.json().detail).toMatch(NOT_VERIFIED);
  });

  it('says nothing about verification to a wrong password', async () => {
    const email = uniqueEmail('unverified');
    await register(t, email);
    const res = await grant(email, 'wrong-Password-1');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid email or password.' });
    expect((await login(email, 'wrong-Password-1')).json().detail).toBe('Invalid email or password.');
  });

  it('lets the account in once verified; without a sign-in, a new link is asked for by address', async () => {
    const email = uniqueEmail('pending');
    const id = await register(t, email);
    const first = await t.tokenFromMail(email, 'verify-email');
    await t.exec(
      sql`update account_tokens set created_at = created_at - interval '61 seconds' where account_id = ${id}`,
    );
    const resend = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email/resend',
      payload: { email },
      remoteAddress: nextAddress(),
    });
    expect(resend.statusCode).toBe(202);
    const second = await t.tokenFromMail(email, 'verify-email');
    const verify = (token: string) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
    expect((await verify(first)).statusCode).toBe(422);
    expect((await verify(second)).statusCode).toBe(200);

    expect((await grant(email)).statusCode).toBe(200);
    expect((await login(email)).statusCode).toBe(200);
    expect((await me(email)).json()).toMatchObject({ email, email_verified: true, auth_method: 'basic' });
  });

  it('a password reset verifies the address too, so it opens the door', async () => {
    const email = uniqueEmail('reset');
    await register(t, email);
    await t.tokenFromMail(email, 'verify-email');
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/forgot',
      payload: { email },
      remoteAddress: nextAddress(),
    });
    const token = await t.tokenFromMail(email, 'reset-password');
    const password = 'correct-Horse-battery-9';
    const reset = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/reset',
      payload: { token, password },
    });
    expect(reset.statusCode).toBe(204);
    expect((await grant(email, password)).statusCode).toBe(200);
  });
});
