// Password forgotten and reset: no enumeration, single-use hashed tokens, every credential revoked after.
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTokens } from '../../src/db/schema/account-tokens.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { jobs } from '../../src/db/schema/jobs.ts';
import { basic, bearer, cookieLogin, PASSWORD, register, signUp, uniqueEmail } from '../helpers/auth.ts';
import { buildRecoveryApp, nextAddress, type RecoveryTestApp } from './setup.ts';

let t: RecoveryTestApp;
beforeAll(async () => {
  t = await buildRecoveryApp();
});
afterAll(() => t?.close());

const NEW_PASSWORD = 'correct-Horse-battery-9';
const post = (url: string, payload: object, remoteAddress = nextAddress()) =>
  t.app.inject({ method: 'POST', url, payload, remoteAddress });
const forgot = (email: string, remoteAddress?: string) =>
  post('/v1/auth/password/forgot', { email }, remoteAddress);
const reset = (token: string, password = NEW_PASSWORD) =>
  post('/v1/auth/password/reset', { token, password });
const tokenGrant = (payload: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/token', payload, remoteAddress: nextAddress() });
const signIn = (username: string, password: string) =>
  tokenGrant({ grant_type: 'password', username, password });
const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

/** A registered account (its verification mail consumed) and the token of a reset link mailed to it. */
async function resetLinkFor(email = uniqueEmail('reset')) {
  const id = await register(t, email, PASSWORD, 'Ada');
  await t.tokenFromMail(email, 'verify-email');
  expect((await forgot(email)).statusCode).toBe(202);
  return { id, email, token: await t.tokenFromMail(email, 'reset-password') };
}

describe('bad input to forgot and reset: 4xx problem+json, no mail, no change', () => {
  const raw = (url: string, payload: string) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload,
      remoteAddress: nextAddress(),
    });
  it.each([
    ['forgot without email', '/v1/auth/password/forgot', '{}', 422],
    ['forgot with an email that is not one', '/v1/auth/password/forgot', '{"email":"nope"}', 422],
    ['forgot with an unknown field', '/v1/auth/password/forgot', '{"email":"a@example.com","x":1}', 422],
    ['forgot with broken JSON', '/v1/auth/password/forgot', '{"email":', 400],
    ['reset without token', '/v1/auth/password/reset', `{"password":"${NEW_PASSWORD}"}`, 422],
    [
      'reset with an unknown field',
      '/v1/auth/password/reset',
      `{"token":"x","password":"p","admin":true}`,
      422,
    ],
    ['reset with broken JSON', '/v1/auth/password/reset', '{"token":', 400],
  ])('%s → %i', async (_name, url, payload, status) => {
    // Periodic jobs (housekeeping, certificate expiry) are scheduled at boot, whenever: count the request's own.
    const own = ['auth.password_reset', 'auth.verify_email_resend', 'mail.send'];
    const queued = async () =>
      (await t.db.database.db.select().from(jobs).where(inArray(jobs.queue, own))).length;
    const queuedBefore = await queued();
    const res = await raw(url, payload);
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status });
    expect(await queued()).toBe(queuedBefore);
  });
});

describe('POST /v1/auth/password/forgot', () => {
  it('answers an unknown and a known address identically, and doing the same work; only the known gets mail', async () => {
    const known = uniqueEmail('known');
    const knownId = await register(t, known);
    const unknown = uniqueEmail('unknown');
    const strip = ({ 'x-request-id': _id, date: _date, ...rest }: Record<string, unknown>) => rest;
    const [a, b] = [await forgot(unknown), await forgot(known.toUpperCase())];
    expect(a.statusCode).toBe(202);
    expect(a.json()).toEqual({
      detail: 'If an account has this email address, a link to reset its password is on its way.',
    });
    expect(b.statusCode).toBe(a.statusCode);
    expect(b.body).toBe(a.body);
    expect(strip(b.headers)).toEqual(strip(a.headers));
    const queued = await t.db.database.db.select().from(jobs).where(eq(jobs.queue, 'auth.password_reset'));
    expect(queued.map((j) => j.singletonKey)).toEqual(expect.arrayContaining([unknown, known]));

    const token = await t.tokenFromMail(known, 'reset-password');
    expect(t.mailsTo(unknown)).toHaveLength(0);
    // Found by subject: the worker sends concurrently, so arrival order is not sending order.
    const mail = t.mailsTo(known).find((m) => m.subject === 'Reset your Bulwark password')!;
    expect(mail).toBeDefined();
    expect(mail.text).toContain('expires in 1 hour');
    const rows = await t.db.database.db
      .select()
      .from(accountTokens)
      .where(eq(accountTokens.accountId, knownId));
    const row = rows.find((r) => r.purpose === 'password_reset');
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(3_600_000);
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('sends no second mail within the cooldown, still 202; a later one replaces the first link', async () => {
    const { id, email, token } = await resetLinkFor();
    expect((await forgot(email)).statusCode).toBe(202);
    await t.deliver();
    expect(t.mailsTo(email).filter((m) => m.subject.startsWith('Reset'))).toHaveLength(1);
    await t.exec(
      sql`update account_tokens set created_at = created_at - interval '61 seconds' where account_id = ${id}`,
    );
    await forgot(email);
    const second = await t.tokenFromMail(email, 'reset-password');
    expect((await reset(token)).json().detail).toMatch(/expired or was replaced/);
    expect((await reset(second)).statusCode).toBe(204);
  });

  it('limits one client address to 10 requests per window (429), whatever the emails', async () => {
    const address = nextAddress();
    for (let i = 0; i < 10; i++) expect((await forgot(uniqueEmail('spray'), address)).statusCode).toBe(202);
    const res = await forgot(uniqueEmail('spray'), address);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await forgot(uniqueEmail('spray'))).statusCode).toBe(202);
  });
});

describe('erasure', () => {
  it('a deleted account keeps no token, nor a job naming its address', async () => {
    const user = await signUp(t);
    await forgot(user.email);
    await t.deliver();
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${user.id}`,
      headers: user.headers,
    });
    expect(del.statusCode).toBe(204);
    const db = t.db.database.db;
    expect(await db.select().from(accountTokens).where(eq(accountTokens.accountId, user.id))).toEqual([]);
    expect(JSON.stringify(await db.select().from(jobs))).not.toContain(user.email);
  });
});

describe('POST /v1/auth/password/reset', () => {
  it('sets the password through the mailed link and revokes every credential of the old one, API keys too', async () => {
    const email = uniqueEmail('victim');
    const user = await signUp(t, { email });
    const session = await cookieLogin(t, email);
    const keys = [];
    for (const name of ['deploy <ci>', 'backup']) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: user.headers,
        payload: { name },
      });
      expect(created.statusCode, created.body).toBe(201);
      keys.push(created.json().key as string);
    }
    for (const key of keys) expect((await get('/v1/auth/me', { 'x-auth': key })).statusCode).toBe(200);
    await t.tokenFromMail(email, 'verify-email');
    await forgot(email);
    const token = await t.tokenFromMail(email, 'reset-password');
    // The link is no credential anywhere else.
    expect((await get('/v1/auth/me', bearer(token))).statusCode).toBe(401);
    expect((await get('/v1/auth/me', { 'x-auth': token })).statusCode).toBe(401);

    const res = await reset(token);
    expect(res.statusCode).toBe(204);
    expect((await get('/v1/auth/me', user.headers)).statusCode).toBe(401);
    expect((await get('/v1/auth/me', { cookie: session.cookie })).statusCode).toBe(401);
    const refreshed = await tokenGrant({ grant_type: 'refresh_token', refresh_token: user.refreshToken });
    expect(refreshed.statusCode).toBe(401);
    expect(refreshed.json().error).toBe('invalid_grant');
    expect((await signIn(email, PASSWORD)).statusCode).toBe(401);
    expect((await get('/v1/auth/me', basic(email, PASSWORD))).statusCode).toBe(401);
    // A key that a thief minted must not outlive the recovery (it was cached while valid: refused at once).
    for (const key of keys) expect((await get('/v1/auth/me', { 'x-auth': key })).statusCode).toBe(401);

    const fresh = await signIn(email, NEW_PASSWORD);
    expect(fresh.statusCode).toBe(200);
    const me = await get('/v1/auth/me', bearer(fresh.json().access_token));
    expect(me.json()).toMatchObject({ email, email_verified: true }); // the reset proved the mailbox
    const [row] = await t.db.database.db.select().from(accounts).where(eq(accounts.id, user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);

    await t.deliver();
    expect(t.mailsTo(email).map((m) => m.subject)).toContain('Your Bulwark password was changed');
    const revoked = t.mailsTo(email).find((m) => m.subject === 'Your Bulwark API keys were revoked');
    expect(revoked?.text).toContain('• deploy <ci>\n');
    expect(revoked?.text).toContain('• backup\n');
    expect((await reset(token, 'another-Fine-pass-4')).json()).toMatchObject({
      status: 422,
      errors: [{ path: '/body/token', message: 'This link was already used.' }],
    });
  });

  it('applies the policy (422 naming /body/password) without spending the token', async () => {
    const { email, token } = await resetLinkFor();
    const weak = await reset(token, 'password');
    expect(weak.statusCode).toBe(422);
    expect(weak.json().errors.map((e: { path: string }) => e.path)).toEqual(['/body/password']);
    expect((await signIn(email, PASSWORD)).statusCode).toBe(200);
    expect((await reset(token)).statusCode).toBe(204);
  });

  it('lists both errors for a bad token and a weak password', async () => {
    const res = await reset('forged-token', 'short');
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([
      { path: '/body/token', message: 'This link is not valid.' },
      { path: '/body/password', message: expect.any(String) },
    ]);
  });

  it('refuses an expired link and changes nothing', async () => {
    const { id, email, token } = await resetLinkFor();
    await t.exec(
      sql`update account_tokens set expires_at = now() - interval '1 second' where account_id = ${id}`,
    );
    expect((await reset(token)).json().errors[0].message).toMatch(/expired/);
    expect((await signIn(email, PASSWORD)).statusCode).toBe(200);
    expect((await signIn(email, NEW_PASSWORD)).statusCode).toBe(401);
  });

  it('keeps each token to its purpose', async () => {
    const email = uniqueEmail('purpose');
    await register(t, email);
    const verification = await t.tokenFromMail(email, 'verify-email');
    expect((await reset(verification)).json().errors[0].message).toBe('This link is not valid.');
    await forgot(email);
    const resetToken = await t.tokenFromMail(email, 'reset-password');
    const verify = await post('/v1/auth/verify-email', { token: resetToken });
    expect(verify.statusCode).toBe(422);
    expect((await reset(resetToken)).statusCode).toBe(204);
  });
});
