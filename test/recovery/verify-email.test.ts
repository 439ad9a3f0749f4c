// Email verification: the mail sent at registration, POST /v1/auth/verify-email and tokens that fail.
import { Validator } from '@seriousme/openapi-schema-validator';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/crypto/tokens.ts';
import { accountTokens } from '../../src/db/schema/account-tokens.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { PASSWORD, register, signUp, uniqueEmail } from '../helpers/auth.ts';
import { buildRecoveryApp, type RecoveryTestApp } from './setup.ts';

let t: RecoveryTestApp;
beforeAll(async () => {
  t = await buildRecoveryApp();
});
afterAll(() => t?.close());

const db = () => t.db.database.db;
const verify = (payload: object) => t.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload });
const me = async (headers: Record<string, string>) =>
  (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers })).json();
const account = async (id: string) => (await db().select().from(accounts).where(eq(accounts.id, id)))[0]!;
const tokenRows = (id: string) => db().select().from(accountTokens).where(eq(accountTokens.accountId, id));

/** A fresh account and the token of its verification mail. */
async function registered() {
  const email = uniqueEmail('verify');
  const id = await register(t, email, PASSWORD, 'Ada');
  return { id, email, token: await t.tokenFromMail(email, 'verify-email') };
}

/** The 422 for a token, naming /body/token, and proof that nothing changed. */
async function expectRefused(payload: object, message: string, id: string) {
  const before = { account: await account(id), tokens: await tokenRows(id) };
  const res = await verify(payload);
  expect(res.statusCode).toBe(422);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json()).toMatchObject({
    status: 422,
    detail: message,
    errors: [{ path: '/body/token', message }],
  });
  expect(await account(id)).toEqual(before.account);
  expect(await tokenRows(id)).toEqual(before.tokens);
}

describe('the verification mail', () => {
  it('arrives at registration; its link verifies the address and /v1/auth/me shows it', async () => {
    const user = await signUp(t);
    expect(await me(user.headers)).toMatchObject({ email_verified: false });
    const token = await t.tokenFromMail(user.email, 'verify-email');
    const [mail] = t.mailsTo(user.email);
    expect(mail).toMatchObject({ subject: 'Verify your email address for Bulwark' });
    expect(mail!.text).toContain('expires in 1 day');

    // Only the SHA-256 is kept, bound to the address, for 24 hours.
    const [row] = await tokenRows(user.id);
    expect(row).toMatchObject({
      purpose: 'verify_email',
      tokenHash: sha256(token),
      email: user.email,
      usedAt: null,
    });
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(86_400_000);
    expect(JSON.stringify(await db().select().from(accountTokens))).not.toContain(token);

    const res = await verify({ token });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ id: user.id, email: user.email, email_verified: true });
    expect(await me(user.headers)).toMatchObject({ email_verified: true });
  });

  it('is not sent when the registration fails (it rolls back with it)', async () => {
    const { email } = await registered();
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password: PASSWORD },
    });
    expect(again.statusCode).toBe(409);
    await t.deliver();
    expect(t.mailsTo(email)).toHaveLength(1);
  });
});

describe('tokens that cannot verify change nothing (422 naming /body/token)', () => {
  it('a token used once already', async () => {
    const { id, token } = await registered();
    expect((await verify({ token })).statusCode).toBe(200);
    await expectRefused({ token }, 'This link was already used.', id);
  });

  it('an expired token', async () => {
    const { id, token } = await registered();
    await t.exec(
      sql`update account_tokens set expires_at = now() - interval '1 second' where account_id = ${id}`,
    );
    await expectRefused(
      { token },
      'This link has expired or was replaced by a newer one; ask for a new one.',
      id,
    );
    expect((await account(id)).emailVerified).toBe(false);
  });

  it('a forged token, and a real one with a character changed', async () => {
    const { id, token } = await registered();
    await expectRefused({ token: 'x'.repeat(43) }, 'This link is not valid.', id);
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    await expectRefused({ token: tampered }, 'This link is not valid.', id);
  });

  it('a token mailed to an address the account no longer has', async () => {
    const { id, token } = await registered();
    await db()
      .update(accounts)
      .set({ email: uniqueEmail('moved') })
      .where(eq(accounts.id, id));
    await expectRefused({ token }, 'This link was sent to an address the account no longer has.', id);
  });

  it('a token of a deactivated account', async () => {
    const { id, token } = await registered();
    await db().update(accounts).set({ isActive: false }).where(eq(accounts.id, id));
    await expectRefused({ token }, 'This link is not valid.', id);
  });

  it('two uses at once: exactly one succeeds', async () => {
    const { token } = await registered();
    const statuses = (await Promise.all([verify({ token }), verify({ token })])).map((r) => r.statusCode);
    expect(statuses.sort()).toEqual([200, 422]);
  });

  it.each([
    ['no token', {}],
    ['an empty token', { token: '' }],
    ['an unknown field', { token: 'abc', admin: true }],
    ['a number', { token: 42 }],
  ])('a malformed body (%s) → 422', async (_name, payload) => {
    const res = await verify(payload);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toMatch(/^\/body/);
  });

  it('a body that is not JSON → 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email',
      headers: { 'content-type': 'application/json' },
      payload: '{"token":',
    });
    expect(res.statusCode).toBe(400);
  });
});

describe('the OpenAPI document', () => {
  it('stays valid with the recovery routes', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    for (const path of [
      '/verify-email',
      '/verify-email/resend',
      '/password/forgot',
      '/password/reset',
      '/password/change',
    ]) {
      expect(document.paths[`/v1/auth${path}`]?.post, path).toBeDefined();
    }
  });
});
