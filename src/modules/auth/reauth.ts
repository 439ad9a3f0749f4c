import { notFound, validationFailed } from '../../core/errors/app-error.ts';
import { reauthenticationRequired, type Principal } from '../../core/principal.ts';
import * as accounts from '../accounts/index.ts';
import type { AuthRuntime } from './auth.service.ts';

/**
 * Asks for the password again before a sensitive change, on the assumption that any one credential may
 * be stolen. Passes when the request carries the caller's current password (checked under the sign-in
 * throttle: a wrong one is 422 naming `current_password`, and guesses end in 429), or, without it, when
 * the principal is fresh (a password sign-in within REAUTH_WINDOW, or Basic). Otherwise 403
 * REAUTHENTICATION_REQUIRED. An API key is never fresh, so it needs the password in the request. Other
 * modules get it as `auth.reauthenticate` (core's `Reauthenticate`).
 * @example await requireRecentPassword(rt, principal, request.body.current_password, request.ip)
 */
export async function requireRecentPassword(
  rt: AuthRuntime,
  principal: Principal,
  currentPassword: string | undefined,
  ip: string,
): Promise<void> {
  if (currentPassword === undefined) {
    if (!principal.fresh) throw reauthenticationRequired();
    return;
  }
  const account = await accounts.findById(rt.db, principal.account.id);
  const email = account?.email;
  if (!account || !email) throw notFound('account');
  const { throttle } = rt.authenticator.deps;
  // Guessing the password here is guessing a sign-in: the same throttle, per account and per address,
  // the attempt counted before the hash.
  await throttle.attempt(email, ip);
  const ok = account.passwordHash
    ? (await rt.hasher.verify(account.passwordHash, currentPassword)).ok
    : (await rt.hasher.verifyDummy(currentPassword), false);
  if (!ok) {
    throw validationFailed(
      [{ path: '/body/current_password', message: 'This is not the current password.' }],
      'This is not the current password.',
    );
  }
  await throttle.succeeded(email, ip);
}
