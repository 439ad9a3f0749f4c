import { isUniqueViolation } from '../../../core/db/errors.ts';
import type { DbOrTx } from '../../../core/db/database.ts';
import { conflict } from '../../../core/errors/app-error.ts';
import * as accounts from '../../accounts/index.ts';
import { queueMail, renderMail } from '../../mail/index.ts';
import type { AuthRuntime } from '../auth.service.ts';
import * as tokens from './account-tokens.service.ts';
import { mailTooSoon } from './recovery.errors.ts';
import type { MailRecipient } from './verification.service.ts';

const EMAIL_TAKEN = 'An account with this email already exists.';

/**
 * A self-service email change, in the caller's transaction (the `account.email_change_requested` hook; the
 * accounts module has checked the password): mails
 * the new address a single-use link, which replaces any earlier one, and the old address a notice. The
 * account keeps its address, and signs in with it, until the link is opened. 409 when another account has
 * the new address; 429 after MAIL_MAX_PER_HOUR requests in an hour (each mails two addresses).
 */
export async function requestEmailChange(
  tx: DbOrTx,
  rt: AuthRuntime,
  account: MailRecipient,
  newEmail: string,
): Promise<void> {
  const holder = await accounts.findByEmail(tx, newEmail);
  if (holder && holder.id !== account.id) throw conflict(EMAIL_TAKEN);
  const wait = await tokens.hourlyWaitSeconds(tx, account.id, 'email_change');
  if (wait > 0) throw mailTooSoon(wait);
  const token = await tokens.issue(tx, account, 'email_change', newEmail);
  const name = account.name ?? undefined;
  const expiresInSeconds = tokens.TTL_SECONDS.email_change;
  const { publicUrl } = rt.config;
  await queueMail(tx, {
    to: newEmail,
    ...renderMail('email-change-confirm', { name, token, newEmail, expiresInSeconds }, publicUrl),
  });
  await queueMail(tx, {
    to: account.email,
    ...renderMail('email-change-requested', { name, newEmail, requestedAt: new Date() }, publicUrl),
  });
}

/**
 * Spends an email change's token (from `POST /v1/auth/verify-email`): the account gets the new address,
 * verified, access tokens issued before are refused (as with any email change), and the old address is
 * told. 409 — and the token stays unspent — when another account took the address meanwhile.
 */
export async function confirmEmailChange(rt: AuthRuntime, presented: string): Promise<accounts.AccountRow> {
  let changed: accounts.AccountRow;
  try {
    changed = await rt.db.transaction(async (tx) => {
      const { account, newEmail } = await tokens.redeemEmailChange(tx, presented);
      const holder = await accounts.findByEmail(tx, newEmail);
      if (holder && holder.id !== account.id) throw conflict(EMAIL_TAKEN);
      const now = new Date();
      const row = await accounts.update(tx, account.id, {
        email: newEmail,
        emailVerified: true,
        tokensValidAfter: now,
      });
      // Links mailed to the old address are of no use any more.
      await tokens.endAll(tx, account.id, 'verify_email');
      await rt.events.emit(tx, 'account.email_changed', {
        accountId: account.id,
        previousEmail: account.email,
        newEmail,
        name: account.name,
        byAdmin: false,
      });
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(EMAIL_TAKEN);
    throw error;
  }
  // After the commit: a reload before it would cache the old address again.
  rt.authenticator.forgetAccount(changed.id);
  return changed;
}

/**
 * Mails the old address that the account's email is now `newEmail`, and ends a pending self-service
 * change (an admin's change, or a confirmed one, supersedes it). In the change's transaction (the
 * `account.email_changed` hook).
 */
export async function notifyEmailChanged(
  tx: DbOrTx,
  rt: AuthRuntime,
  previous: MailRecipient,
  newEmail: string,
  how: { at: Date; byAdmin: boolean },
): Promise<void> {
  await tokens.endAll(tx, previous.id, 'email_change');
  const data = { name: previous.name ?? undefined, newEmail, changedAt: how.at, byAdmin: how.byAdmin };
  await queueMail(tx, { to: previous.email, ...renderMail('email-changed', data, rt.config.publicUrl) });
}

/** Ends the account's pending email change (a password reset assumes the account was taken over). */
export const cancelEmailChange = (tx: DbOrTx, accountId: string): Promise<void> =>
  tokens.endAll(tx, accountId, 'email_change');
