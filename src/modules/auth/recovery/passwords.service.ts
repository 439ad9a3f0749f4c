import type { Tx } from '../../../core/db/database.ts';
import { conflict, notFound, type FieldError } from '../../../core/errors/app-error.ts';
import * as accounts from '../../accounts/index.ts';
import { queueMail, renderMail } from '../../mail/index.ts';
import { revokeAllApiKeys } from '../../api-keys/index.ts';
import { revokeAllSessions, type AuthRuntime } from '../auth.service.ts';
import { checkPassword } from '../../../core/passwords/password-policy.ts';
import type { Principal } from '../../../core/principal.ts';
import * as tokens from './account-tokens.service.ts';
import { cancelEmailChange } from './email-change.service.ts';
import { unprocessable } from './recovery.errors.ts';
import type { MailRecipient } from './verification.service.ts';

/**
 * The job behind POST /v1/auth/password/forgot: mails a reset link to the active account with this
 * address, if any and unless one went out moments ago. Silent either way: the caller already had its 202.
 */
export async function issueReset(rt: AuthRuntime, email: string): Promise<string> {
  return rt.db.transaction(async (tx) => {
    const found = await accounts.findByEmail(tx, email);
    const account = found && (await accounts.findByIdForUpdate(tx, found.id));
    if (!account?.email || !account.isActive) return 'no_account';
    if ((await tokens.mailWaitSeconds(tx, account.id, 'password_reset')) > 0) return 'throttled';
    const token = await tokens.issue(tx, { id: account.id, email: account.email }, 'password_reset');
    const data = {
      token,
      expiresInSeconds: tokens.TTL_SECONDS.password_reset,
      name: account.name ?? undefined,
    };
    await queueMail(tx, { to: account.email, ...renderMail('password-reset', data, rt.config.publicUrl) });
    return 'sent';
  });
}

/**
 * Sets a new password with a reset token. A reset assumes the account was taken over, so in one
 * transaction: the token is spent, the hash replaced, the address marked verified (the mail reached its
 * owner), every session, refresh family and API key revoked (the owner gets the list of key names by mail),
 * access tokens issued before now refused, other reset links and a pending email change ended, and the
 * owner told by mail.
 */
export async function resetPassword(
  rt: AuthRuntime,
  input: { token: string; password: string },
): Promise<void> {
  // Both checks before the costly hash, and every error at once: the token and the new password.
  const errors = [
    await tokens.checkUsable(rt.db, input.token, 'password_reset'),
    policyError(input.password),
  ];
  const found = errors.filter((e): e is FieldError => e !== undefined);
  if (found.length > 0) throw unprocessable(found);
  const passwordHash = await rt.hasher.hash(input.password);
  const account = await rt.db.transaction(async (tx) => {
    const owner = await tokens.redeem(tx, input.token, 'password_reset');
    const now = new Date();
    await accounts.update(tx, owner.id, { passwordHash, emailVerified: true, tokensValidAfter: now });
    await revokeAllSessions(tx, owner.id, 'password_reset');
    await revokeAllApiKeys(tx, owner, { reason: 'reset', publicUrl: rt.config.publicUrl });
    await tokens.endAll(tx, owner.id, 'password_reset');
    await cancelEmailChange(tx, owner.id);
    await notifyPasswordChanged(tx, rt, owner, now);
    return owner;
  });
  rt.authenticator.forgetAccount(account.id);
  // The owner proved control of the mailbox: failed sign-ins counted before must not keep it out.
  await rt.authenticator.deps.throttle.succeeded(account.email);
}

/**
 * Changes the caller's password after checking the current one: every other session and refresh family
 * is revoked; the caller's own (bearer or cookie) stays. With `revoke_api_keys: true` the account's API
 * keys go too (their names mailed, as after a reset). 422 names the field at fault, like a form would.
 */
export async function changePassword(
  rt: AuthRuntime,
  principal: Principal,
  input: { current_password: string; new_password: string; revoke_api_keys?: boolean | undefined },
  ip: string,
): Promise<void> {
  const account = await accounts.findById(rt.db, principal.account.id);
  const email = account?.email;
  if (!account || !email) throw notFound('account');
  const { throttle } = rt.authenticator.deps;
  // Guessing the current password here is guessing a sign-in: the same throttle applies.
  await throttle.attempt(email, ip);
  const current = account.passwordHash
    ? (await rt.hasher.verify(account.passwordHash, input.current_password)).ok
    : (await rt.hasher.verifyDummy(input.current_password), false);
  const errors: FieldError[] = [];
  // A right current password gives its point back even if the new one is refused below.
  if (current) await throttle.succeeded(email, ip);
  else errors.push({ path: '/body/current_password', message: 'This is not the current password.' });
  const weak = policyError(input.new_password, 'new_password');
  if (weak) errors.push(weak);
  else if (current && input.new_password === input.current_password) {
    errors.push({
      path: '/body/new_password',
      message: 'The new password must differ from the current one.',
    });
  }
  if (errors.length > 0) throw unprocessable(errors);
  const passwordHash = await rt.hasher.hash(input.new_password);
  await rt.db.transaction(async (tx) => {
    // The check above ran on a row read outside this transaction, two hashes ago: if a reset, another change
    // or a deletion landed meanwhile, this change must not overwrite it (or mail an erased address).
    const locked = await accounts.findByIdForUpdate(tx, account.id);
    if (!locked?.email) throw notFound('account');
    if (locked.passwordHash !== account.passwordHash)
      throw conflict('The password was changed meanwhile; sign in again and retry.');
    await accounts.update(tx, account.id, { passwordHash });
    await revokeAllSessions(tx, account.id, 'password_changed', principal.sessionId);
    if (input.revoke_api_keys) {
      await revokeAllApiKeys(tx, { ...account, email }, { reason: 'change', publicUrl: rt.config.publicUrl });
    }
    await notifyPasswordChanged(tx, rt, { ...account, email }, new Date());
  });
  rt.authenticator.forgetAccount(account.id);
}

function policyError(password: string, field = 'password'): FieldError | undefined {
  const verdict = checkPassword(password);
  return verdict.ok ? undefined : { path: `/body/${field}`, message: verdict.reason };
}

/** The `password-changed` notice and the domain event, in the change's transaction. */
async function notifyPasswordChanged(tx: Tx, rt: AuthRuntime, account: MailRecipient, at: Date) {
  const data = { changedAt: at, name: account.name ?? undefined };
  await queueMail(tx, { to: account.email, ...renderMail('password-changed', data, rt.config.publicUrl) });
  await rt.events.emit(tx, 'account.password_changed', { accountId: account.id, email: account.email });
}
