import type { DbOrTx } from '../../../core/db/database.ts';
import { conflict, notFound } from '../../../core/errors/app-error.ts';
import * as accounts from '../../accounts/index.ts';
import { queueMail, renderMail } from '../../mail/index.ts';
import type { AuthRuntime } from '../auth.service.ts';
import * as tokens from './account-tokens.service.ts';
import { confirmEmailChange } from './email-change.service.ts';
import { mailTooSoon } from './recovery.errors.ts';

/** The account fields a recovery mail needs. */
export interface MailRecipient {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
}

/**
 * Issues a verification token and queues its mail in the caller's transaction (at registration, the
 * registration's own), so the mail exists exactly when the account does.
 */
export async function sendVerificationMail(
  tx: DbOrTx,
  rt: AuthRuntime,
  account: MailRecipient,
): Promise<void> {
  const token = await tokens.issue(tx, account, 'verify_email');
  const data = { token, expiresInSeconds: tokens.TTL_SECONDS.verify_email, name: account.name ?? undefined };
  await queueMail(tx, { to: account.email, ...renderMail('verify-email', data, rt.config.publicUrl) });
}

/**
 * Spends a verification token and marks the address verified, or an email change's token and moves the
 * account to its new address; returns the account.
 */
export async function verifyEmail(rt: AuthRuntime, presented: string): Promise<accounts.AccountRow> {
  if ((await tokens.purposeOf(rt.db, presented)) === 'email_change') return confirmEmailChange(rt, presented);
  const account = await rt.db.transaction(async (tx) => {
    const owner = await tokens.redeem(tx, presented, 'verify_email');
    return (await accounts.update(tx, owner.id, { emailVerified: true }))!;
  });
  // After the commit: a reload before it would cache the unverified state again.
  rt.authenticator.forgetAccount(account.id);
  return account;
}

/**
 * A new verification mail for a signed-in account (which may have changed its address): 409 when the
 * address is verified already, 429 with Retry-After inside the cooldown. Older links stop working.
 */
export async function resendForAccount(rt: AuthRuntime, accountId: string): Promise<void> {
  await rt.db.transaction(async (tx) => {
    const account = await accounts.findByIdForUpdate(tx, accountId);
    if (!account?.email) throw notFound('account');
    if (account.emailVerified) throw conflict('The email address is already verified.');
    const wait = await tokens.mailWaitSeconds(tx, account.id, 'verify_email');
    if (wait > 0) throw mailTooSoon(wait);
    await sendVerificationMail(tx, rt, { ...account, email: account.email });
  });
}

/**
 * The job behind the public resend: mails the unverified, active account with this address, if any and
 * if the cooldown allows. Silent either way: the caller already had its 202.
 */
export async function resendByEmail(rt: AuthRuntime, email: string): Promise<string> {
  return rt.db.transaction(async (tx) => {
    const found = await accounts.findByEmail(tx, email);
    const account = found && (await accounts.findByIdForUpdate(tx, found.id));
    if (!account?.email || !account.isActive) return 'no_account';
    if (account.emailVerified) return 'already_verified';
    if ((await tokens.mailWaitSeconds(tx, account.id, 'verify_email')) > 0) return 'throttled';
    await sendVerificationMail(tx, rt, { ...account, email: account.email });
    return 'sent';
  });
}
