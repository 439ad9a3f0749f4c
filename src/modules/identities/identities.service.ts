import { safeEqual, sha256 } from '../../core/crypto/tokens.ts';
import { AppError, forbidden, notFound } from '../../core/errors/app-error.ts';
import type { Config } from '../../core/config/config.ts';
import type { Db } from '../../core/db/database.ts';
import type { Principal } from '../../core/principal.ts';
import type { AccountRow } from '../accounts/index.ts';
import type { AuthApi, ClientInfo } from '../auth/index.ts';
import * as repo from './identities.repository.ts';
import { accountForSignIn, linkIdentity } from './links.service.ts';
import type { OidcClient } from './oidc-client.ts';
import { redirectTarget } from './redirect-target.ts';

/** How long the user may take at the provider before the authorization request is forgotten. */
export const AUTHORIZATION_TTL_SECONDS = 600;

/** What the identities services need, passed in by the module. */
export interface IdentitiesRuntime {
  readonly db: Db;
  readonly config: Config;
  readonly auth: AuthApi;
  readonly providers: ReadonlyMap<string, OidcClient>;
}

export interface CallbackQuery {
  readonly code?: string | undefined;
  readonly state?: string | undefined;
  readonly error?: string | undefined;
}

export type CallbackOutcome =
  | { readonly kind: 'linked'; readonly link: repo.LinkRow; readonly redirectTo: string | null }
  | {
      readonly kind: 'signed_in';
      readonly account: AccountRow;
      readonly cookie: string;
      readonly csrfToken: string;
      readonly redirectTo: string | null;
    };

export function providerOf(ir: IdentitiesRuntime, name: string): OidcClient {
  const provider = ir.providers.get(name);
  if (!provider) throw notFound('sign-in provider');
  return provider;
}

/**
 * Starts an authorization request: a link for `principal`'s account when there is one, else a sign-in.
 * `state`, nonce and PKCE verifier stay in the database (the state only as its hash); the returned state
 * goes to the provider and into a browser-bound cookie, and is random: it carries nothing.
 */
export async function startAuthorization(
  ir: IdentitiesRuntime,
  name: string,
  principal: Principal | undefined,
  redirectTo: string | undefined,
): Promise<{ url: URL; state: string }> {
  const provider = providerOf(ir, name);
  // Linking lets the identity sign in to the account later: as strong as changing its password.
  if (principal && !principal.scopes.includes('accounts:write')) {
    throw forbidden('Linking an identity needs the accounts:write scope.');
  }
  const target = redirectTarget(redirectTo, ir.config.publicUrl);
  const request = await provider.authorize();
  await repo.purgeExpiredStates(ir.db);
  await repo.insertState(ir.db, {
    stateHash: sha256(request.state),
    provider: name,
    codeVerifier: request.codeVerifier,
    nonce: request.nonce,
    accountId: principal?.account.id ?? null,
    redirectTo: target,
    expiresAt: new Date(Date.now() + AUTHORIZATION_TTL_SECONDS * 1000),
  });
  return { url: request.url, state: request.state };
}

/**
 * Completes an authorization request: checks the state (single use, unexpired, started in this browser),
 * exchanges the code and verifies the ID token, then links the identity or signs its account in.
 */
export async function completeAuthorization(
  ir: IdentitiesRuntime,
  name: string,
  input: { query: CallbackQuery; rawQuery: string; browserState: string | undefined; client: ClientInfo },
): Promise<CallbackOutcome> {
  const provider = providerOf(ir, name);
  const { query } = input;
  if (query.error !== undefined) {
    // The request is over either way: forget it so that its state cannot be replayed.
    if (query.state) await repo.consumeState(ir.db, sha256(query.state), name);
    throw providerRefused(name, query.error);
  }
  if (!query.state || !query.code) throw badRequest('The callback needs `code` and `state`.');
  // A state known to the server but absent from this browser is a callback URL planted by someone else
  // (login CSRF: it would sign the victim in to the attacker's account).
  if (!input.browserState || !safeEqual(input.browserState, query.state)) {
    throw badRequest('This sign-in was not started in this browser; start it again.');
  }
  const pending = await repo.consumeState(ir.db, sha256(query.state), name);
  if (!pending || pending.expiresAt.getTime() <= Date.now()) {
    throw badRequest('This sign-in request is unknown, expired or already used; start it again.');
  }
  const identity = await provider.exchange(input.rawQuery, {
    state: query.state,
    nonce: pending.nonce,
    codeVerifier: pending.codeVerifier,
  });
  if (pending.accountId) {
    const link = await linkIdentity(ir, pending.accountId, name, identity);
    return { kind: 'linked', link, redirectTo: pending.redirectTo };
  }
  const account = await accountForSignIn(ir, name, identity);
  const { cookie, csrfToken } = await ir.auth.startCookieSession(account.id, input.client);
  return { kind: 'signed_in', account, cookie, csrfToken, redirectTo: pending.redirectTo };
}

const badRequest = (detail: string) => new AppError('BAD_REQUEST', detail);

/** `access_denied` and friends: the user (or the provider's policy) said no; anything else is a bad request. */
function providerRefused(provider: string, error: string): AppError {
  const refusals = ['access_denied', 'consent_required', 'login_required', 'interaction_required'];
  const code = refusals.includes(error) ? 'FORBIDDEN' : 'BAD_REQUEST';
  const shown = /^[\w.-]{1,64}$/.test(error) ? error : 'error';
  return new AppError(code, `The provider "${provider}" did not sign you in (${shown}).`);
}
