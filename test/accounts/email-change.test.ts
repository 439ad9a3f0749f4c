// An email change is an account takeover in waiting (the new address can ask for a password reset), so:
// the password again (current_password, or a password sign-in within REAUTH_WINDOW), the new address must
// confirm a mailed single-use link, and the old address is told. An admin's change applies at once.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTokens } from '../../src/db/schema/account-tokens.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { mailMessages } from '../../src/db/schema/mail.ts';
import {
  ageSignIns,
  basic,
  bearer,
  cookieLogin,
  PASSWORD,
  passwordGrant,
  signUp,
  uniqueEmail,
  type TestUser,
} from '../helpers/auth.ts';
import { buildRecoveryApp, nextAddress, type RecoveryTestApp } from '../recovery/setup.ts';

let t: RecoveryTestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildRecoveryApp();
  admin = await signUp(t, { admin: true });
});
afterAll(() => t?.close());

const REAUTH = 'urn:bulwark:problem:reauthentication-required';
const REQUESTED = 'A change of your Bulwark email address was requested';
const CONFIRM = 'Confirm your new email address for Bulwark';
const CHANGED = 'Your Bulwark email address was changed';

const patch = (id: string, headers: Record<string, string>, payload: object, remoteAddress = nextAddress()) =>
  t.app.inject({ method: 'PATCH', url: `/v1/accounts/${id}`, headers, payload, remoteAddress });
const verify = (token: string) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
const signIn = (username: string, password = PASSWORD) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grant_type: 'password', username, password },
    remoteAddress: nextAddress(),
  });
const emailOf = async (id: string) =>
  (await t.db.database.db.select().from(accounts).where(eq(accounts.id, id)))[0]!.email;
/** What reached the address, but for the verification mail of its registration. */
const subjectsTo = async (email: string) => {
  await t.deliver();
  return t
    .mailsTo(email)
    .map((m) => m.subject)
    .filter((s) => s !== 'Verify your email address for Bulwark');
};
const mailRowsTo = async (email: string) =>
  t.db.database.db.select().from(mailMessages).where(eq(mailMessages.to, email));

/** A new account whose verification mail was consumed, so later mails to it are the ones under test. */
async function member(): Promise<TestUser> {
  const user = await signUp(t);
  await t.tokenFromMail(user.email, 'verify-email');
  return user;
}

async function apiKeyOf(user: TestUser): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: user.headers,
    payload: { name: 'leaky', scopes: ['accounts:read', 'accounts:write'] },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().key;
}

type Kind = 'bearer' | 'cookie' | 'basic' | 'api_key';
type Freshness = 'fresh' | 'stale' | 'no password sign-in';

async function credential(user: TestUser, kind: Kind, freshness: Freshness) {
  let headers: Record<string, string>;
  if (kind === 'bearer') headers = user.headers;
  else if (kind === 'basic') headers = basic(user.email, PASSWORD);
  else if (kind === 'api_key') headers = { 'x-auth': await apiKeyOf(user) };
  else {
    const session = await cookieLogin(t, user.email);
    headers = { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: session.origin };
  }
  if (freshness !== 'fresh') await ageSignIns(t, user.id, freshness === 'stale' ? 11 * 60 : null);
  return headers;
}

describe('who may ask for a change of its own email', () => {
  type Case = [Kind, Freshness, 'none' | 'right', number];
  it.each<Case>([
    // Controls: the password proven moments ago, or in the request.
    ['bearer', 'fresh', 'none', 200],
    ['cookie', 'fresh', 'none', 200],
    ['basic', 'fresh', 'none', 200],
    ['bearer', 'stale', 'right', 200],
    ['api_key', 'fresh', 'right', 200],
    // A stolen credential alone is not enough.
    ['api_key', 'fresh', 'none', 403],
    ['bearer', 'stale', 'none', 403],
    ['cookie', 'stale', 'none', 403],
    ['bearer', 'no password sign-in', 'none', 403],
    ['cookie', 'no password sign-in', 'none', 403],
  ])('%s (%s), current_password %s → %i', async (kind, freshness, password, status) => {
    const user = await member();
    const headers = await credential(user, kind, freshness);
    const target = uniqueEmail('new');
    const body = password === 'right' ? { email: target, current_password: PASSWORD } : { email: target };
    const res = await patch(user.id, headers, body);
    expect(res.statusCode, res.body).toBe(status);
    // Either way the account keeps its address until the new one confirms.
    expect(await emailOf(user.id)).toBe(user.email);
    if (status === 200) {
      expect(res.json().email).toBe(user.email);
      expect(await subjectsTo(target)).toEqual([CONFIRM]);
      expect(await subjectsTo(user.email)).toEqual([REQUESTED]);
    } else {
      expect(res.json()).toMatchObject({ type: REAUTH, detail: expect.stringMatching(/re-authentication/i) });
      expect(await mailRowsTo(target)).toHaveLength(0);
      expect(await subjectsTo(user.email)).toEqual([]);
    }
  });

  it('a change of case only is the same mailbox: applied at once, no password needed', async () => {
    const user = await member();
    await ageSignIns(t, user.id);
    const res = await patch(user.id, user.headers, { email: user.email.toUpperCase() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().email).toBe(user.email.toUpperCase());
    expect(await subjectsTo(user.email)).toEqual([]);
  });

  it('other fields of a refused PATCH are not applied either', async () => {
    const user = await member();
    await ageSignIns(t, user.id);
    const res = await patch(user.id, user.headers, { email: uniqueEmail(), name: 'Changed' });
    expect(res.statusCode).toBe(403);
    const [row] = await t.db.database.db.select().from(accounts).where(eq(accounts.id, user.id));
    expect(row!.name).toBeNull();
  });
});

describe('a wrong current_password', () => {
  it('→ 422 naming current_password, even with a fresh credential; nothing is mailed', async () => {
    const user = await member();
    const target = uniqueEmail('new');
    const res = await patch(user.id, user.headers, { email: target, current_password: 'wrong-Password-1' });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: '/body/current_password', message: expect.any(String) }]);
    expect(await mailRowsTo(target)).toHaveLength(0);
  });

  it('counts as a failed sign-in: the throttle answers 429 after LOGIN_THROTTLE guesses', async () => {
    const user = await member();
    const address = nextAddress();
    const guess = (current_password: string) =>
      patch(user.id, user.headers, { email: uniqueEmail(), current_password }, address);
    for (let i = 0; i < 5; i++) expect((await guess(`wrong-Password-${i}`)).statusCode).toBe(422);
    const res = await guess(PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('confirmation through POST /v1/auth/verify-email', () => {
  it('moves the account to the new address once; the old one is told; until then the old one signs in', async () => {
    const user = await member();
    const target = uniqueEmail('new');
    expect((await patch(user.id, user.headers, { email: target })).statusCode).toBe(200);
    const token = await t.tokenFromMail(target, 'verify-email');
    // Pending: the old address still signs in, the new one does not.
    expect((await signIn(user.email)).statusCode).toBe(200);
    expect((await signIn(target)).statusCode).toBe(401);

    const res = await verify(token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user).toMatchObject({ id: user.id, email: target, email_verified: true });
    expect((await signIn(target)).statusCode).toBe(200);
    expect((await signIn(user.email)).statusCode).toBe(401);
    // As with any email change, access tokens issued before it are refused.
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: user.headers })).statusCode,
    ).toBe(401);
    expect(await subjectsTo(user.email)).toEqual([REQUESTED, CHANGED]);
    const notice = t.mailsTo(user.email).find((m) => m.subject === CHANGED)!;
    expect(notice.text).toContain(target);

    // Single use.
    const again = await verify(token);
    expect(again.statusCode).toBe(422);
    expect(again.json().errors).toEqual([{ path: '/body/token', message: 'This link was already used.' }]);
  });

  it('a second change replaces the first: only the newest link works', async () => {
    const user = await member();
    const [first, second] = [uniqueEmail('first'), uniqueEmail('second')];
    expect((await patch(user.id, user.headers, { email: first })).statusCode).toBe(200);
    const firstToken = await t.tokenFromMail(first, 'verify-email');
    expect((await patch(user.id, user.headers, { email: second })).statusCode).toBe(200);
    const secondToken = await t.tokenFromMail(second, 'verify-email');
    expect((await verify(firstToken)).statusCode).toBe(422);
    expect(await emailOf(user.id)).toBe(user.email);
    expect((await verify(secondToken)).json().user.email).toBe(second);
  });

  it('an expired link → 422 and nothing changes', async () => {
    const user = await member();
    const target = uniqueEmail('late');
    await patch(user.id, user.headers, { email: target });
    const token = await t.tokenFromMail(target, 'verify-email');
    await t.exec(
      sql`update account_tokens set expires_at = now() - interval '1 second' where account_id = ${user.id} and purpose = 'email_change'`,
    );
    const res = await verify(token);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toBe('/body/token');
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it('an address taken meanwhile → 409; the account keeps its email', async () => {
    const user = await member();
    const target = uniqueEmail('contested');
    await patch(user.id, user.headers, { email: target });
    const token = await t.tokenFromMail(target, 'verify-email');
    await signUp(t, { email: target.toUpperCase() });
    const res = await verify(token);
    expect(res.statusCode).toBe(409);
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it('asking for an address another account has → 409, nothing mailed', async () => {
    const user = await member();
    const other = await member();
    const res = await patch(user.id, user.headers, { email: other.email.toUpperCase() });
    expect(res.statusCode).toBe(409);
    expect(await subjectsTo(user.email)).toEqual([]);
  });

  it('at most 5 requests an hour (each mails two addresses): the 6th → 429 with Retry-After', async () => {
    const user = await member();
    for (let i = 0; i < 5; i++)
      expect((await patch(user.id, user.headers, { email: uniqueEmail('many') })).statusCode).toBe(200);
    const target = uniqueEmail('sixth');
    const res = await patch(user.id, user.headers, { email: target });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await mailRowsTo(target)).toHaveLength(0);
  });

  it('a password reset cancels a pending change (a reset assumes a takeover)', async () => {
    const user = await member();
    const target = uniqueEmail('thief');
    await patch(user.id, user.headers, { email: target });
    const token = await t.tokenFromMail(target, 'verify-email');
    await t.app.inject({ method: 'POST', url: '/v1/auth/password/forgot', payload: { email: user.email } });
    const resetToken = await t.tokenFromMail(user.email, 'reset-password');
    const reset = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/reset',
      payload: { token: resetToken, password: 'brand-New-secret-7' },
    });
    expect(reset.statusCode).toBe(204);
    expect((await verify(token)).statusCode).toBe(422);
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it('the token is stored hashed, bound to the new address', async () => {
    const user = await member();
    const target = uniqueEmail('hashed');
    await patch(user.id, user.headers, { email: target });
    const token = await t.tokenFromMail(target, 'verify-email');
    const rows = await t.db.database.db
      .select()
      .from(accountTokens)
      .where(eq(accountTokens.accountId, user.id));
    const pending = rows.filter((r) => r.purpose === 'email_change');
    expect(pending).toHaveLength(1);
    expect(pending[0]!.email).toBe(target);
    expect(JSON.stringify(rows)).not.toContain(token);
  });
});

describe("an admin's change of another account", () => {
  it('applies at once (unverified), ends a pending change and tells the old address', async () => {
    const user = await member();
    const pending = uniqueEmail('pending');
    await patch(user.id, user.headers, { email: pending });
    const pendingToken = await t.tokenFromMail(pending, 'verify-email');
    await t.deliver();
    const target = uniqueEmail('by-admin');
    const res = await patch(user.id, admin.headers, { email: target });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ email: target, email_verified: false });
    expect(await subjectsTo(user.email)).toEqual([REQUESTED, CHANGED]);
    expect(t.mailsTo(user.email).find((m) => m.subject === CHANGED)!.text).toContain('an administrator');
    expect((await verify(pendingToken)).statusCode).toBe(422);
    expect(await emailOf(user.id)).toBe(target);
  });

  it.each<[string, number, () => Promise<Record<string, string>>, object]>([
    [
      'with a fresh bearer token (control)',
      200,
      async () => bearer((await passwordGrant(t, admin.email)).accessToken),
      {},
    ],
    ['with a stale sign-in', 403, async () => stale(), {}],
    [
      'with a stale sign-in and the admin’s password',
      200,
      async () => stale(),
      { current_password: PASSWORD },
    ],
  ])('%s → %i', async (_name, status, headers, extra) => {
    const user = await member();
    const res = await patch(user.id, await headers(), { email: uniqueEmail(), ...extra });
    expect(res.statusCode, res.body).toBe(status);
    if (status === 403) expect(res.json().type).toBe(REAUTH);
  });

  async function stale() {
    const other = await signUp(t, { admin: true });
    await ageSignIns(t, other.id);
    return other.headers;
  }
});
