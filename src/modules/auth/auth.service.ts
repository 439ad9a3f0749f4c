import type { Config } from '../../core/config/config.ts';
import type { Db, DbOrTx } from '../../core/db/database.ts';
import type { DomainEventHooks } from '../../core/events.ts';
import { AppError, notFound } from '../../core/errors/app-error.ts';
import * as accounts from '../accounts/index.ts';
import type { Authenticator } from './authenticator.ts';
import type { PasswordHasher } from '../../core/passwords/password-hasher.ts';
import type { Principal } from '../../core/principal.ts';
import { effectiveScopes, parseScopeParam, scopesForRoles } from '../../core/scopes.ts';
import * as sessionRepo from './sessions.repository.ts';
import {
  rotateRefreshToken,
  startCookieSession,
  startTokenSession,
  type ClientInfo,
} from './sessions.service.ts';
import type { AccessTokens } from './tokens/access-tokens.ts';

export interface AuthRuntime {
  readonly config: Config;
  readonly db: Db;
  readonly events: DomainEventHooks;
  readonly authenticator: Authenticator;
  readonly tokens: AccessTokens;
  readonly hasher: PasswordHasher;
}

/** An OAuth 2.0 token-endpoint failure (RFC 6749 §5.2), answered in that format rather than problem+json. */
export class OAuthFailure extends Error {
  readonly status: 400 | 401;
  readonly error: string;
  constructor(status: 400 | 401, error: string, description: string) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

export interface TokenPair {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export async function passwordGrant(
  rt: AuthRuntime,
  input: { username?: string | undefined; password?: string | undefined; scope?: string | undefined },
  client: ClientInfo & { ip: string },
): Promise<TokenPair> {
  if (!input.username || !input.password) {
    throw new OAuthFailure(400, 'invalid_request', 'username and password are required.');
  }
  const requested = parseScopeParam(input.scope);
  if (!requested) throw new OAuthFailure(400, 'invalid_scope', 'Unknown scope requested.');
  let account;
  try {
    account = await rt.authenticator.checkPassword(input.username, input.password, client.ip);
  } catch (error) {
    if (error instanceof AppError && error.code === 'UNAUTHENTICATED') {
      throw new OAuthFailure(401, 'invalid_grant', 'Invalid email or password.');
    }
    // A correct password refused anyway (REQUIRE_EMAIL_VERIFICATION): say why, in the OAuth format.
    if (error instanceof AppError && error.code === 'FORBIDDEN') {
      throw new OAuthFailure(401, 'invalid_grant', error.message);
    }
    throw error;
  }
  const allowed = scopesForRoles(account.roles);
  const beyond = requested.filter((s) => !allowed.includes(s));
  if (beyond.length > 0) throw new OAuthFailure(400, 'invalid_scope', `Not allowed: ${beyond.join(' ')}.`);
  const scopes = requested.length > 0 ? requested : allowed;
  const { sessionId, refreshToken } = await startTokenSession(
    rt.db,
    account.id,
    scopes.join(' '),
    tokenLifetimes(rt.config),
    client,
  );
  const access = await rt.tokens.issue(account.id, sessionId, scopes);
  return pair(access.token, access.expiresIn, refreshToken, scopes);
}

export async function refreshGrant(rt: AuthRuntime, refreshToken: string | undefined): Promise<TokenPair> {
  if (!refreshToken) throw new OAuthFailure(400, 'invalid_request', 'refresh_token is required.');
  const outcome = await rotateRefreshToken(rt.db, refreshToken, tokenLifetimes(rt.config));
  if (!outcome.ok) {
    // Only reuse changes state (the family is revoked now); a revoked or expired token changes nothing, and
    // forgetting would make every replay of an old token flush the caches of every instance.
    if (outcome.reason === 'reused' && outcome.sessionId) rt.authenticator.forgetSession(outcome.sessionId);
    const why =
      outcome.reason === 'reused'
        ? 'This refresh token was already used; its sign-in is revoked.'
        : 'Invalid refresh token.';
    throw new OAuthFailure(401, 'invalid_grant', why);
  }
  const account = await accounts.findById(rt.db, outcome.session.accountId);
  if (!account?.isActive) throw new OAuthFailure(401, 'invalid_grant', 'Invalid refresh token.');
  const scopes = effectiveScopes(outcome.session.scope.split(' '), account.roles);
  const access = await rt.tokens.issue(account.id, outcome.session.id, scopes);
  return pair(access.token, access.expiresIn, outcome.refreshToken, scopes);
}

const tokenLifetimes = (config: Config) => ({
  refreshTtlSeconds: config.refreshTokenTtlSeconds,
  maxAgeSeconds: config.sessionMaxAgeSeconds,
});

const pair = (access: string, expiresIn: number, refresh: string, scopes: readonly string[]): TokenPair => ({
  access_token: access,
  token_type: 'bearer',
  expires_in: expiresIn,
  refresh_token: refresh,
  scope: scopes.join(' '),
});

/** Cookie sign-in: a server-side session and its CSRF token. */
export async function login(
  rt: AuthRuntime,
  email: string,
  password: string,
  client: ClientInfo & { ip: string },
) {
  const account = await rt.authenticator.checkPassword(email, password, client.ip);
  const { session, cookie } = await startCookieSession(
    rt.db,
    account.id,
    rt.config.cookieSessionMaxAgeSeconds,
    { ...client, byPassword: true },
  );
  return { account, cookie, csrfToken: rt.authenticator.csrfToken(session.id) };
}

/** Ends the caller's session (refresh family or cookie session); API keys and Basic have none. */
export async function logout(rt: AuthRuntime, principal: Principal): Promise<void> {
  if (!principal.sessionId) return;
  await sessionRepo.revokeSession(rt.db, principal.sessionId, 'logout');
  rt.authenticator.forgetSession(principal.sessionId);
}

export async function revokeOwnSession(
  rt: AuthRuntime,
  principal: Principal,
  sessionId: string,
): Promise<void> {
  const revoked = await sessionRepo.revokeSession(rt.db, sessionId, 'revoked_by_user', principal.account.id);
  if (!revoked) throw notFound('session');
  rt.authenticator.forgetSession(sessionId);
}

/**
 * Ends every session of an account (password change or reset, deactivation, deletion) in the caller's
 * transaction. The caller calls `rt.authenticator.forgetAccount(accountId)` once it has committed: forgetting
 * earlier would let a request served before the commit cache the old state again.
 */
export async function revokeAllSessions(
  db: DbOrTx,
  accountId: string,
  reason: string,
  exceptSessionId?: string,
): Promise<string[]> {
  return sessionRepo.revokeAccountSessions(db, accountId, reason, exceptSessionId);
}
