// POST /v1/auth/verify-email/resend: signed in (429 inside the cooldown) or anonymous by email (always 202).
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTokens } from '../../src/db/schema/account-tokens.ts';
import { bearer, PASSWORD, register, signUp, uniqueEmail } from '../helpers/auth.ts';
import { buildRecoveryApp, nextAddress, type RecoveryTestApp } from './setup.ts';

let t: RecoveryTestApp;
beforeAll(async () => {
  t = await buildRecoveryApp();
});
afterAll(() => t?.close());

const resend = (payload: object, headers: Record<string, string> = {}, remoteAddress = nextAddress()) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/verify-email/resend', payload, headers, remoteAddress });
const verify = (token: string) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/verify-email', payload: { token } });
/** Moves the account's tokens back in time, as if they had been mailed that long ago. */
const age = (id: string, seconds: number) =>
  t.exec(sql`update account_tokens set created_at = created_at - ${seconds}::int * interval '1 second'
             where account_id = ${id}`);

describe('signed in', () => {
  it('429 with Retry-After inside the cooldown; afterwards a new link that replaces the old one', async () => {
    const user = await signUp(t);
    const first = await t.tokenFromMail(user.email, 'verify-email');

    const early = await resend({}, user.headers);
    expect(early.statusCode).toBe(429);
    const retryAfter = Number(early.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await t.deliver();
    expect(t.mailsTo(user.email)).toHaveLength(1);

    await age(user.id, 61);
    const res = await resend({}, user.headers);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      detail: 'A new verification link is on its way; earlier links no longer work.',
    });
    const second = await t.tokenFromMail(user.email, 'verify-email');
    expect(second).not.toBe(first);

    expect((await verify(first)).json().detail).toMatch(/expired or was replaced/);
    expect((await verify(second)).statusCode).toBe(200);
    await age(user.id, 61);
    expect((await resend({}, user.headers)).statusCode).toBe(409);
  });

  it('needs no body at all', async () => {
    const user = await signUp(t);
    await age(user.id, 61);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/verify-email/resend',
      headers: user.headers,
    });
    expect(res.statusCode).toBe(202);
  });

  it('at most five mails an hour, even with the cooldown over', async () => {
    const user = await signUp(t);
    for (let sent = 1; sent < 5; sent++) {
      await age(user.id, 120);
      expect((await resend({}, user.headers)).statusCode).toBe(202);
    }
    await age(user.id, 120);
    const res = await resend({}, user.headers);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(60);
    await t.deliver();
    expect(t.mailsTo(user.email)).toHaveLength(5);
  });

  it('the credential wins over a body email, and a bad credential is 401, not anonymous', async () => {
    const user = await signUp(t);
    const other = uniqueEmail('other');
    await register(t, other);
    await age(user.id, 61);
    expect((await resend({ email: other }, user.headers)).statusCode).toBe(202);
    expect((await resend({ email: other }, bearer('not-a-jwt'))).statusCode).toBe(401);
    await t.deliver();
    expect(t.mailsTo(user.email)).toHaveLength(2);
    expect(t.mailsTo(other)).toHaveLength(1);
  });
});

describe('anonymous, by email', () => {
  it('answers the same for an unknown, an unverified and a verified address; only the unverified gets mail', async () => {
    const unknown = uniqueEmail('nobody');
    const pending = uniqueEmail('pending');
    const pendingId = await register(t, pending);
    const verified = uniqueEmail('done');
    await register(t, verified);
    await verify(await t.tokenFromMail(verified, 'verify-email'));
    await t.tokenFromMail(pending, 'verify-email');
    await age(pendingId, 61);

    const answers = await Promise.all(
      [unknown, pending.toUpperCase(), verified].map(async (email) => {
        const res = await resend({ email });
        return { status: res.statusCode, body: res.body };
      }),
    );
    expect(answers[0]).toEqual({
      status: 202,
      body: JSON.stringify({
        detail: 'If an unverified account has this email address, a new verification link is on its way.',
      }),
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);

    const token = await t.tokenFromMail(pending, 'verify-email');
    expect(t.mailsTo(unknown)).toHaveLength(0);
    expect(t.mailsTo(verified)).toHaveLength(1);
    expect((await verify(token)).statusCode).toBe(200);
  });

  it('inside the cooldown still 202 (no hint), but no mail', async () => {
    const email = uniqueEmail('again');
    const id = await register(t, email, PASSWORD);
    expect((await resend({ email })).statusCode).toBe(202);
    await t.deliver();
    expect(t.mailsTo(email)).toHaveLength(1);
    const rows = await t.db.database.db.select().from(accountTokens).where(eq(accountTokens.accountId, id));
    expect(rows).toHaveLength(1);
  });

  it('needs an email without a credential (422 naming /body/email)', async () => {
    const res = await resend({});
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: '/body/email', message: 'is required without a credential' }]);
    expect((await resend({ email: 'not-an-email' })).statusCode).toBe(422);
  });
});
