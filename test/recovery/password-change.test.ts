// POST /v1/auth/password/change: needs the current password; ends every other session, keeps the caller's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  bearer,
  cookieLogin,
  PASSWORD,
  passwordGrant,
  signUp,
  type TestUser,
} from '../helpers/auth.ts';
import { buildRecoveryApp, nextAddress, type RecoveryTestApp } from './setup.ts';

let t: RecoveryTestApp;
beforeAll(async () => {
  t = await buildRecoveryApp();
});
afterAll(() => t?.close());

const NEW_PASSWORD = 'correct-Horse-battery-9';
const change = (headers: Record<string, string>, payload: object, remoteAddress = nextAddress()) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/password/change', headers, payload, remoteAddress });
const body = (current_password = PASSWORD, new_password = NEW_PASSWORD) => ({
  current_password,
  new_password,
});
const status = async (headers: Record<string, string>) =>
  (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers })).statusCode;
const refresh = async (refresh_token: string) =>
  (
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'refresh_token', refresh_token },
    })
  ).statusCode;

/** A user signed in three ways: the bearer of signUp, a second refresh family and a cookie session. */
async function signedInEverywhere(): Promise<{
  user: TestUser;
  other: { accessToken: string; refreshToken: string };
  session: Awaited<ReturnType<typeof cookieLogin>>;
}> {
  const user = await signUp(t);
  return { user, other: await passwordGrant(t, user.email), session: await cookieLogin(t, user.email) };
}

describe('refusals change nothing', () => {
  it('401 without a credential', async () => {
    expect((await change({}, body())).statusCode).toBe(401);
  });

  it.each([
    ['a wrong current password', body('wrong-Password-1'), ['/body/current_password']],
    ['a new password the policy refuses', body(PASSWORD, 'password'), ['/body/new_password']],
    ['the same password again', body(PASSWORD, PASSWORD), ['/body/new_password']],
    ['both wrong', body('wrong-Password-1', 'short'), ['/body/current_password', '/body/new_password']],
    ['a missing field', { current_password: PASSWORD }, ['/body/new_password']],
  ])('422 for %s, naming the field', async (_name, payload, paths) => {
    const { user, other, session } = await signedInEverywhere();
    const res = await change(user.headers, payload);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(paths);
    expect(await status(bearer(other.accessToken))).toBe(200);
    expect(await status({ cookie: session.cookie })).toBe(200);
    expect(await status(basic(user.email, PASSWORD))).toBe(200);
    await t.deliver();
    expect(t.mailsTo(user.email).filter((m) => m.subject.includes('password'))).toHaveLength(0);
  });

  it('throttles guesses of the current password like sign-ins (429)', async () => {
    const user = await signUp(t);
    const address = nextAddress();
    for (let i = 0; i < 5; i++)
      expect((await change(user.headers, body('wrong-Password-1'), address)).statusCode).toBe(422);
    const res = await change(user.headers, body(), address);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('a change', () => {
  it('with a bearer token: keeps its refresh family, revokes the others and the cookie session', async () => {
    const { user, other, session } = await signedInEverywhere();
    expect((await change(user.headers, body())).statusCode).toBe(204);
    expect(await status(user.headers)).toBe(200);
    expect(await refresh(user.refreshToken)).toBe(200);
    expect(await status(bearer(other.accessToken))).toBe(401);
    expect(await refresh(other.refreshToken)).toBe(401);
    expect(await status({ cookie: session.cookie })).toBe(401);
    expect(await status(basic(user.email, PASSWORD))).toBe(401);
    expect(await status(basic(user.email, NEW_PASSWORD))).toBe(200);
    await t.deliver();
    // The worker sends concurrently: the registration mail may arrive after the notice.
    expect(t.mailsTo(user.email).map((m) => m.subject)).toContain('Your Bulwark password was changed');
  });

  it('with the session cookie (and its CSRF token): keeps that session, revokes the bearer', async () => {
    const { user, session } = await signedInEverywhere();
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: session.origin };
    expect((await change(headers, body())).statusCode).toBe(204);
    expect(await status({ cookie: session.cookie })).toBe(200);
    expect(await status(user.headers)).toBe(401);
    expect(await refresh(user.refreshToken)).toBe(401);
  });

  it('with HTTP Basic (no session of its own): revokes every session', async () => {
    const { user, other, session } = await signedInEverywhere();
    expect((await change(basic(user.email, PASSWORD), body())).statusCode).toBe(204);
    expect(await status(user.headers)).toBe(401);
    expect(await status(bearer(other.accessToken))).toBe(401);
    expect(await status({ cookie: session.cookie })).toBe(401);
    expect((await passwordGrant(t, user.email, NEW_PASSWORD)).accessToken).toBeTruthy();
  });
});

describe('revoke_api_keys', () => {
  const keyOf = async (user: TestUser, name: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: user.headers,
      payload: { name },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().key as string;
  };

  it.each([
    ['absent (default false): the keys survive, no key mail', {}, 200, 0],
    ['false: the keys survive', { revoke_api_keys: false }, 200, 0],
    ['true: every key is refused at once and the owner gets their names', { revoke_api_keys: true }, 401, 1],
  ])('%s', async (_name, extra, keyStatus, keyMails) => {
    const user = await signUp(t);
    const key = await keyOf(user, 'nightly-sync');
    expect(await status({ 'x-auth': key })).toBe(200);
    expect((await change(user.headers, { ...body(), ...extra })).statusCode).toBe(204);
    expect(await status({ 'x-auth': key })).toBe(keyStatus);
    await t.deliver();
    const mails = t.mailsTo(user.email).filter((m) => m.subject === 'Your Bulwark API keys were revoked');
    expect(mails).toHaveLength(keyMails);
    if (keyMails) expect(mails[0]!.text).toContain('• nightly-sync\n');
  });

  it('is a boolean (422 otherwise), and a refused change revokes nothing', async () => {
    const user = await signUp(t);
    const key = await keyOf(user, 'kept');
    const res = await change(user.headers, { ...body(), revoke_api_keys: 'yes' });
    expect(res.statusCode).toBe(422);
    const wrong = await change(user.headers, { ...body('wrong-Password-1'), revoke_api_keys: true });
    expect(wrong.statusCode).toBe(422);
    expect(await status({ 'x-auth': key })).toBe(200);
  });
});
