import type { FastifyRequest } from 'fastify';
import { createHmac } from 'node:crypto';
import { hkdfSync } from 'node:crypto';
import type { Config } from '../../core/config/config.ts';
import type { Role } from '../../db/schema/accounts.ts';
import { TtlCache } from '../../core/cache/ttl-cache.ts';
import { safeEqual, sha256 } from '../../core/crypto/tokens.ts';
import type { Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { readCookie } from '../../core/http/cookies.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../core/http/openapi.plugin.ts';
import * as accounts from '../accounts/index.ts';
import * as apiKeyRepo from '../api-keys/index.ts';
import { verifyApiKey, type VerifiedApiKey } from '../api-keys/index.ts';
import type { AccountStateCache } from './account-state.ts';
import { REVOCATION_BOUND_MS, type AccountState, type SessionState } from './account-state.ts';
import type { Forget } from './invalidation-bus.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { PasswordHasher } from '../../core/passwords/password-hasher.ts';
import type { AuthMethod, Principal } from '../../core/principal.ts';
import { effectiveScopes, scopesForRoles, type Scope } from '../../core/scopes.ts';
import * as sessionRepo from './sessions.repository.ts';
import { pastMaxAge } from './sessions.service.ts';
import { AccessTokenError, uuidv7Time, type AccessTokens } from './tokens/access-tokens.ts';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Grant of a session or Basic credential: whatever the account's roles allow. */
const ROLE_SCOPES = Symbol('role scopes');
/** What a credential grants: a token's `scope` string, an API key's scopes, or ROLE_SCOPES. */
type Grant = string | readonly string[] | typeof ROLE_SCOPES;

/** Why a correct password does not sign in while REQUIRE_EMAIL_VERIFICATION=on. */
export const EMAIL_NOT_VERIFIED =
  'The email address is not verified yet: follow the link in the verification mail, or ask for a new one at POST /v1/auth/verify-email/resend.';

export interface AuthenticatorDeps {
  readonly config: Config;
  readonly db: Db;
  readonly masterKey: Buffer;
  readonly tokens: AccessTokens;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly state: AccountStateCache;
}

/**
 * Resolves whatever credential a request carries — bearer JWT, API key, session cookie or HTTP Basic —
 * to one Principal, or refuses it with 401 and a `WWW-Authenticate` naming the accepted schemes.
 */
export class Authenticator {
  private readonly apiKeys = new TtlCache<string, VerifiedApiKey>(REVOCATION_BOUND_MS, 50_000);
  private readonly scopeMemo = new WeakMap<readonly Role[], Map<Grant, readonly Scope[]>>();
  /** Per API key id: before this time (ms), touching it could not change `last_used_at`. */
  private readonly touchDue = new Map<string, number>();
  private readonly csrfKey: Buffer;
  private readonly previousCsrfKey: Buffer | undefined;
  private readonly challenge: string;
  private readonly allowedOrigins: Set<string>;
  readonly deps: AuthenticatorDeps;

  constructor(deps: AuthenticatorDeps) {
    this.deps = deps;
    this.csrfKey = csrfKeyOf(deps.masterKey);
    // During a master-key rotation, tokens derived from the old key (pages loaded before) still pass.
    this.previousCsrfKey = deps.config.masterKeyPrevious
      ? csrfKeyOf(deps.config.masterKeyPrevious)
      : undefined;
    const schemes = ['Bearer realm="bulwark"', 'ApiKey realm="bulwark", header="X-Auth"'];
    if (deps.config.basicAuth) schemes.push('Basic realm="bulwark", charset="UTF-8"');
    this.challenge = schemes.join(', ');
    this.allowedOrigins = new Set([new URL(deps.config.publicUrl).origin, ...deps.config.corsOrigins]);
  }

  /** The principal behind the request's credential; undefined when it carries none. */
  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const authorization = request.headers.authorization;
    if (authorization) {
      const space = authorization.indexOf(' ');
      const scheme = authorization.slice(0, space).toLowerCase();
      const value = authorization.slice(space + 1).trim();
      if (space > 0 && scheme === 'bearer') return this.fromBearer(value);
      if (space > 0 && scheme === 'basic' && this.deps.config.basicAuth)
        return this.fromBasic(value, request.ip);
      throw this.unauthenticated('This authorization scheme is not accepted.');
    }
    const apiKey = request.headers['x-auth'] ?? request.headers['x-api-key'];
    if (typeof apiKey === 'string') return this.fromApiKey(apiKey);
    const cookie = readCookie(request, SESSION_COOKIE);
    if (cookie) return this.fromCookie(cookie, request);
    return undefined;
  }

  /** 401 with the challenge; `error` adds RFC 6750's `error="invalid_token"` for a bad bearer token. */
  unauthenticated(detail: string, bearerError?: string): AppError {
    const challenge = bearerError
      ? this.challenge.replace('Bearer realm="bulwark"', `Bearer realm="bulwark", error="${bearerError}"`)
      : this.challenge;
    return new AppError('UNAUTHENTICATED', detail, { headers: { 'www-authenticate': challenge } });
  }

  /** The CSRF token of a cookie session: derived from its id, so it needs no storage. */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.csrfKey).update(sessionId).digest('base64url');
  }

  /**
   * Checks an email and password (password grant, cookie login, Basic), throttled per account and
   * address: the attempt is counted before the hash, and a correct password gives it back. Unknown email
   * and wrong password cost the same and fail the same way.
   */
  async checkPassword(email: string, password: string, ip: string): Promise<accounts.AccountRow> {
    const { db, hasher, throttle } = this.deps;
    await throttle.attempt(email, ip);
    const account = await accounts.findByEmailPrepared(db, email);
    if (!account?.passwordHash) {
      await hasher.verifyDummy(password);
      throw this.unauthenticated('Invalid email or password.');
    }
    const result = await hasher.verify(account.passwordHash, password);
    if (!result.ok || !account.isActive) throw this.unauthenticated('Invalid email or password.');
    await throttle.succeeded(email, ip);
    // Checked only after a correct password, so it tells nothing to someone who does not know it.
    if (this.deps.config.requireEmailVerification && !account.emailVerified) {
      throw new AppError('FORBIDDEN', EMAIL_NOT_VERIFIED);
    }
    // Imported (bcrypt, passlib, Werkzeug) or weaker hashes become argon2id at the first sign-in.
    if (result.needsRehash)
      await accounts.update(db, account.id, { passwordHash: await hasher.hash(password) });
    return account;
  }

  private async fromBearer(token: string): Promise<Principal> {
    let claims;
    try {
      claims = await this.deps.tokens.verify(token);
    } catch (error) {
      const detail = error instanceof AccessTokenError ? error.message : 'The access token is not valid.';
      throw this.unauthenticated(detail, 'invalid_token');
    }
    const state = await this.activeAccount(claims.sub);
    const session = await this.deps.state.session(claims.sid);
    const revoked =
      !state ||
      uuidv7Time(claims.jti) < state.tokensValidAfterMs ||
      !session ||
      session.revoked ||
      session.accountId !== claims.sub ||
      this.ended(session, Date.now());
    if (revoked) throw this.unauthenticated('The access token has been revoked.', 'invalid_token');
    return this.principal(state, claims.scope, 'bearer', {
      sessionId: claims.sid,
      fresh: this.isFresh(session.authenticatedAtMs),
    });
  }

  private async fromApiKey(presented: string): Promise<Principal> {
    const cacheKey = sha256(presented);
    let key = this.apiKeys.get(cacheKey);
    if (!key) {
      key = await verifyApiKey(this.deps.db, presented);
      if (key) this.apiKeys.set(cacheKey, key);
    }
    if (!key || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) {
      throw this.unauthenticated('The API key is not valid.');
    }
    const state = await this.activeAccount(key.accountId);
    if (!state) throw this.unauthenticated('The API key is not valid.');
    const id = key.id;
    this.touchApiKey(id);
    return this.principal(state, key.scopes, 'api_key', { apiKeyId: id });
  }

  /**
   * `last_used_at` changes at most once a minute (touch's own condition), so there is no point asking before
   * a minute has passed since the value it last reported: until then the UPDATE would change nothing. That
   * spares a write round trip on every request with a hot key, and the column gets the same values.
   */
  private touchApiKey(id: string): void {
    const now = Date.now();
    if ((this.touchDue.get(id) ?? 0) > now) return;
    if (this.touchDue.size >= 50_000) this.touchDue.clear();
    // One touch in flight per key: requests meanwhile would find the same row.
    this.touchDue.set(id, now + apiKeyRepo.TOUCH_INTERVAL_MS);
    apiKeyRepo.touch(this.deps.db, id).then(
      (lastUsedAt) => {
        if (lastUsedAt) this.touchDue.set(id, lastUsedAt.getTime() + apiKeyRepo.TOUCH_INTERVAL_MS);
        else this.touchDue.delete(id);
      },
      () => this.touchDue.delete(id),
    );
  }

  private async fromCookie(cookie: string, request: FastifyRequest): Promise<Principal> {
    const session = await this.deps.state.cookieSession(sha256(cookie));
    const now = Date.now();
    const idleMs = this.deps.config.sessionIdleSeconds * 1000;
    if (
      !session ||
      session.kind !== 'cookie' ||
      session.revoked ||
      this.ended(session, now) ||
      session.lastUsedAtMs + idleMs <= now
    ) {
      throw this.unauthenticated('The session has ended; sign in again.');
    }
    if (UNSAFE_METHODS.has(request.method)) this.checkCsrf(request, session.id);
    const state = await this.activeAccount(session.accountId);
    if (!state) throw this.unauthenticated('The session has ended; sign in again.');
    // Sliding idle timeout, written at most once a minute per session.
    if (now - session.lastUsedAtMs > 60_000) {
      void sessionRepo.touchSession(this.deps.db, session.id).catch(() => undefined);
      this.deps.state.invalidateSession(session.id);
    }
    return this.principal(state, ROLE_SCOPES, 'session', {
      sessionId: session.id,
      fresh: this.isFresh(session.authenticatedAtMs),
    });
  }

  /**
   * An unsafe request on a cookie session needs both an allowed origin (see assertAllowedOrigin, with the
   * header required) and the session's CSRF token.
   */
  private checkCsrf(request: FastifyRequest, sessionId: string): void {
    this.assertAllowedOrigin(request, { required: true });
    if (!this.checkCsrfToken(sessionId, request.headers['x-csrf-token'])) {
      throw new AppError('FORBIDDEN', `Missing or wrong X-CSRF-Token (it is in the ${CSRF_COOKIE} cookie).`);
    }
  }

  /**
   * Refuses (403) a request from a page of another origin: the Origin header, or when a browser left it out,
   * the Referer's origin (OWASP's fallback), must be PUBLIC_URL's origin or one of CORS_ORIGINS. With
   * neither header it is refused only when `required` — non-browser clients send none.
   * @example authenticator.assertAllowedOrigin(request, { required: false }) // cookie login
   */
  assertAllowedOrigin(request: FastifyRequest, { required }: { required: boolean }): void {
    const origin = request.headers.origin ?? originOf(request.headers.referer);
    if (origin === undefined) {
      if (!required) return;
      throw new AppError(
        'FORBIDDEN',
        'Unsafe requests with the session cookie must carry an Origin (or Referer) header.',
      );
    }
    if (!this.allowedOrigins.has(origin)) {
      throw new AppError('FORBIDDEN', 'Requests from pages of another origin are refused here.');
    }
  }

  /** Whether `presented` is the CSRF token of the session (constant time). */
  checkCsrfToken(sessionId: string, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    if (safeEqual(presented, this.csrfToken(sessionId))) return true;
    const previous = this.previousCsrfKey;
    return (
      previous !== undefined &&
      safeEqual(presented, createHmac('sha256', previous).update(sessionId).digest('base64url'))
    );
  }

  /** Past its end, or SESSION_MAX_AGE after its sign-in (so lowering the setting ends older sessions). */
  private ended(session: SessionState, now: number): boolean {
    return (
      session.expiresAtMs <= now ||
      pastMaxAge(session.createdAtMs, this.deps.config.sessionMaxAgeSeconds, now)
    );
  }

  private async fromBasic(encoded: string, ip: string): Promise<Principal> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw this.unauthenticated('Malformed Basic credentials.');
    const account = await this.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1), ip);
    const state = await this.activeAccount(account.id);
    if (!state) throw this.unauthenticated('Invalid email or password.');
    // The password is in this very request.
    return this.principal(state, ROLE_SCOPES, 'basic', { fresh: true });
  }

  /** A sign-in that checked the password less than REAUTH_WINDOW ago. */
  private isFresh(authenticatedAtMs: number | null): boolean {
    return (
      authenticatedAtMs !== null &&
      Date.now() - authenticatedAtMs < this.deps.config.reauthWindowSeconds * 1000
    );
  }

  private async activeAccount(id: string): Promise<AccountState | undefined> {
    const state = await this.deps.state.account(id);
    return state?.isActive ? state : undefined;
  }

  private principal(
    state: AccountState,
    granted: Grant,
    authMethod: AuthMethod,
    extra: { sessionId?: string; apiKeyId?: string; fresh?: boolean },
  ): Principal {
    const roles = state.account.roles;
    return { account: state.account, roles, scopes: this.scopesFor(granted, roles), authMethod, ...extra };
  }

  /**
   * `effectiveScopes`, remembered per roles array (the cached account state's, replaced within
   * REVOCATION_BOUND_MS) and grant (a token's scope string, a cached API key's scope array): a client
   * reusing its credential gets the same frozen array instead of a new Set and two arrays per request.
   */
  private scopesFor(granted: Grant, roles: readonly Role[]): readonly Scope[] {
    let byGrant = this.scopeMemo.get(roles);
    if (!byGrant) this.scopeMemo.set(roles, (byGrant = new Map<Grant, readonly Scope[]>()));
    let scopes = byGrant.get(granted);
    if (!scopes) {
      const list =
        granted === ROLE_SCOPES
          ? scopesForRoles(roles)
          : typeof granted === 'string'
            ? granted.split(' ')
            : granted;
      if (byGrant.size >= 100) byGrant.clear();
      byGrant.set(granted, (scopes = Object.freeze(effectiveScopes(list, roles))));
    }
    return scopes;
  }

  /** Also told of every change made here, to pass it on to other instances (see invalidation-bus.ts). */
  onForget: Forget = () => undefined;

  /** Drops cached state after a change made here (revocation, role change, deactivation). */
  forgetAccount(accountId: string): void {
    this.forgetLocally('account', accountId);
    this.onForget('account', accountId);
  }

  forgetSession(sessionId: string): void {
    this.forgetLocally('session', sessionId);
    this.onForget('session', sessionId);
  }

  forgetApiKey(keyId: string): void {
    this.forgetLocally('api_key', keyId);
    this.onForget('api_key', keyId);
  }

  readonly forgetLocally: Forget = (kind, id) => {
    switch (kind) {
      case 'account':
        this.deps.state.invalidateAccount(id);
        this.apiKeys.deleteWhere((k) => k.accountId === id);
        return;
      case 'session':
        this.deps.state.invalidateSession(id);
        return;
      case 'api_key':
        this.apiKeys.deleteWhere((k) => k.id === id);
        return;
    }
  };
}

/** The origin of a Referer URL; 'null' (never allowed) when it does not parse. */
function originOf(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

const csrfKeyOf = (masterKey: Buffer): Buffer =>
  Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'bulwark:csrf', 32));
