import { AppError, notFound, validationFailed } from '../../core/errors/app-error.ts';
import * as accounts from '../accounts/accounts.repository.ts';
import type { AuthRuntime } from './auth.service.ts';
import type { Principal } from './principal.ts';

/** The `detail` of the 403 that a fresh password would lift. */
export const REAUTHENTICATE =
  'Re-authentication is needed: send current_password with the request, or sign in with the password again (a sign-in counts for REAUTH_WINDOW, 10 minutes by default).';

/** 403 `urn:bulwark:problem:reauthentication-required`: the client asks for the password and retries. */
export const reauthenticationRequired = (detail = REAUTHENTICATE): AppError =>
  new AppError('REAUTHENTICATION_REQUIRED', detail);

/**
 * Asks for the password again before a sensitive change, on the assumption that any one credential may
 * be stolen. Passes when the request carries the caller's current password (checked under the sign-in
 * throttle: a wrong one is 422 naming `current_password`, and guesses end in 429), or, without it, when
 * the principal is fresh (a password sign-in within REAUTH_WINDOW, or Basic). Otherwise 403
 * REAUTHENTICATION_REQUIRED. An API key is never fresh, so it needs the password in the request.
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
  // Guessing the password here is guessing a sign-in: the same throttle, per account and per address.
  await throttle.check(email, ip);
  const ok = account.passwordHash
    ? (await rt.hasher.verify(account.passwordHash, currentPassword)).ok
    : (await rt.hasher.verifyDummy(currentPassword), false);
  if (!ok) {
    await throttle.failed(email, ip);
    throw validationFailed(
      [{ path: '/body/current_password', message: 'This is not the current password.' }],
      'This is not the current password.',
    );
  }
  await throttle.succeeded(email);
}
