import { randomToken, sha256 } from '../../../core/crypto/tokens.ts';
import type { DbOrTx } from '../../../core/db/database.ts';
import type { FieldError } from '../../../core/errors/app-error.ts';
import * as accounts from '../../accounts/index.ts';
import * as repo from './account-tokens.repository.ts';
import { unprocessable } from './recovery.errors.ts';

export type { TokenPurpose } from './account-tokens.repository.ts';

/** A verification or email-change link lives a day, a reset link an hour (the issue's numbers). */
export const TTL_SECONDS: Record<repo.TokenPurpose, number> = {
  verify_email: 86_400,
  password_reset: 3600,
  email_change: 86_400,
};

/** At most one mail of a purpose per account per minute, and five per hour: no mail bombing. */
export const MAIL_COOLDOWN_SECONDS = 60;
export const MAIL_MAX_PER_HOUR = 5;

const MESSAGES = {
  unknown: 'This link is not valid.',
  used: 'This link was already used.',
  expired: 'This link has expired or was replaced by a newer one; ask for a new one.',
  moved: 'This link was sent to an address the account no longer has.',
} as const;

/**
 * Issues a single-use token for the account's current address (or `sendTo`, an email change's new one),
 * ending the older ones of the same purpose. Returns the token for the mail; the database keeps its
 * SHA-256 only.
 */
export async function issue(
  tx: DbOrTx,
  account: { id: string; email: string },
  purpose: repo.TokenPurpose,
  sendTo: string = account.email,
): Promise<string> {
  await repo.supersede(tx, account.id, purpose);
  const token = randomToken();
  await repo.insert(tx, {
    accountId: account.id,
    purpose,
    tokenHash: sha256(token),
    email: sendTo,
    ttlSeconds: TTL_SECONDS[purpose],
  });
  return token;
}

/**
 * Spends the token and returns its account, locked. Call inside the transaction that acts on it: when
 * anything after fails, the rollback leaves the token unspent. Refuses (422 naming /body/token) an
 * unknown, used or expired token, and one whose account no longer has the address it was mailed to.
 */
export async function redeem(
  tx: DbOrTx,
  presented: string,
  purpose: repo.TokenPurpose,
): Promise<accounts.AccountRow & { email: string }> {
  const hash = sha256(presented);
  const token = await repo.claim(tx, hash, purpose);
  if (!token) {
    const state = await repo.stateOf(tx, hash, purpose);
    throw unprocessable([tokenError(state === 'live' ? 'used' : state)]);
  }
  const account = await accounts.findByIdForUpdate(tx, token.accountId);
  if (!account?.email || !account.isActive) throw unprocessable([tokenError('unknown')]);
  if (account.email.toLowerCase() !== token.email.toLowerCase()) throw unprocessable([tokenError('moved')]);
  return { ...account, email: account.email };
}

/** The field error for a token that cannot be spent now, or undefined (a cheap check before hashing). */
export async function checkUsable(
  db: DbOrTx,
  presented: string,
  purpose: repo.TokenPurpose,
): Promise<FieldError | undefined> {
  const state = await repo.stateOf(db, sha256(presented), purpose);
  return state === 'live' ? undefined : tokenError(state);
}

/** Ends the account's live tokens of this purpose (after a reset, the other reset links). */
export const endAll = (tx: DbOrTx, accountId: string, purpose: repo.TokenPurpose): Promise<void> =>
  repo.supersede(tx, accountId, purpose);

/**
 * Spends an email change's token and returns it with its account, locked; the token's `email` is the new
 * address. Same refusals as `redeem`, in the caller's transaction.
 */
export async function redeemEmailChange(
  tx: DbOrTx,
  presented: string,
): Promise<{ account: accounts.AccountRow & { email: string }; newEmail: string }> {
  const hash = sha256(presented);
  const token = await repo.claim(tx, hash, 'email_change');
  if (!token) {
    const state = await repo.stateOf(tx, hash, 'email_change');
    throw unprocessable([tokenError(state === 'live' ? 'used' : state)]);
  }
  const account = await accounts.findByIdForUpdate(tx, token.accountId);
  if (!account?.email || !account.isActive) throw unprocessable([tokenError('unknown')]);
  return { account: { ...account, email: account.email }, newEmail: token.email };
}

/** The purpose of a token (undefined when unknown), to route `POST /v1/auth/verify-email`. */
export const purposeOf = (db: DbOrTx, presented: string): Promise<repo.TokenPurpose | undefined> =>
  repo.purposeOf(db, sha256(presented));

const tokenError = (why: keyof typeof MESSAGES): FieldError => ({
  path: '/body/token',
  message: MESSAGES[why],
});

/** Seconds until the account may ask for another mail of this purpose past MAIL_MAX_PER_HOUR (0: now). */
export async function hourlyWaitSeconds(
  db: DbOrTx,
  accountId: string,
  purpose: repo.TokenPurpose,
): Promise<number> {
  const recent = await repo.recentIssues(db, accountId, purpose);
  const wait = recent.count >= MAIL_MAX_PER_HOUR ? 3600 - recent.sinceFirstSeconds : 0;
  return wait > 0 ? Math.ceil(wait) : 0;
}

/**
 * Seconds until the account may be sent another mail of this purpose (0: now). Call with the account row
 * locked, so that two requests cannot both pass.
 */
export async function mailWaitSeconds(
  db: DbOrTx,
  accountId: string,
  purpose: repo.TokenPurpose,
): Promise<number> {
  const recent = await repo.recentIssues(db, accountId, purpose);
  let wait = MAIL_COOLDOWN_SECONDS - recent.sinceLastSeconds;
  if (recent.count >= MAIL_MAX_PER_HOUR) wait = Math.max(wait, 3600 - recent.sinceFirstSeconds);
  return wait > 0 ? Math.ceil(wait) : 0;
}
