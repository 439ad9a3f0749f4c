import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { eq, asc } from 'drizzle-orm';
import type { AppContext } from '../../core/context.ts';
import { createLimiter } from '../../core/rate-limit/limiter.ts';
import { createPasswordHasher, type PasswordHasher } from '../../core/passwords/password-hasher.ts';
import type { Principal, Reauthenticate } from '../../core/principal.ts';
import { sessions } from '../../db/schema/sessions.ts';
import { AccountStateCache } from './account-state.ts';
import { createGuard } from './auth.guard.ts';
import { authRoutes } from './auth.routes.ts';
import { revokeAllSessions, type AuthRuntime } from './auth.service.ts';
import { Authenticator } from './authenticator.ts';
import { connectInvalidationBus } from './invalidation-bus.ts';
import { LoginThrottle } from './login-throttle.ts';
import { requireRecentPassword } from './reauth.ts';
import { registerRecovery } from './recovery/recovery.module.ts';
import { setSessionCookies } from './session-cookies.ts';
import { purgeEndedSessions, purgeExpiredRefreshTokens } from './sessions.repository.ts';
import { startCookieSession, type ClientInfo } from './sessions.service.ts';
import { tokenRoutes } from './token.routes.ts';
import { AccessTokens } from './tokens/access-tokens.ts';
import { SigningKeyStore } from './tokens/signing-keys.ts';

/**
 * What the auth module offers the rest of the app: the guard every protected route declares, and the few
 * sign-in services other modules (OpenID Connect sign-in, accounts) need. Nothing else of auth is reachable.
 */
export interface AuthApi {
  readonly guard: ReturnType<typeof createGuard>;
  /** The one password hasher (argon2id with bounded concurrency); accounts hash with it too. */
  readonly hasher: PasswordHasher;
  /** Token signing keys (JWKS, rotation). */
  readonly keys: SigningKeyStore;
  /** The principal behind a request's credential, or undefined without one (401 for a bad one). */
  readonly authenticate: (request: FastifyRequest) => Promise<Principal | undefined>;
  /** Starts a cookie session for an account signed in some other way (OpenID Connect). */
  readonly startCookieSession: (
    accountId: string,
    client: ClientInfo,
  ) => Promise<{ sessionId: string; cookie: string; csrfToken: string }>;
  /** Whether `presented` is the CSRF token of the cookie session `sessionId` (constant time). */
  readonly checkCsrfToken: (sessionId: string, presented: unknown) => boolean;
  /** Sets the session and CSRF cookies of a session `startCookieSession` started. */
  readonly setSessionCookies: (reply: FastifyReply, cookie: string, csrfToken: string) => void;
  /** Drop cached credential state after a committed change, here and (with Redis) on every instance. */
  readonly forgetAccount: (accountId: string) => void;
  readonly forgetSession: (sessionId: string) => void;
  readonly forgetApiKey: (keyId: string) => void;
  /** The password again before a sensitive change (email change, new API key); see `requireRecentPassword`. */
  readonly reauthenticate: Reauthenticate;
  /** @internal the auth module's own services, for its plugin and for tests. */
  readonly rt: AuthRuntime;
}

/**
 * Builds authentication once — key store, token issuer, password hasher, throttle, authenticator — and
 * returns its public API. The routes and hooks are registered by `authModule(ctx, auth)`.
 * @example const auth = createAuth(ctx); await app.register(authModule({ ctx, auth }));
 */
export function createAuth(ctx: AppContext): AuthApi {
  const { config, database, masterKey, redis, events } = ctx;
  // Retired keys stay published while tokens they signed may live, plus a margin for slow instances.
  const keys = new SigningKeyStore(
    database.db,
    masterKey,
    (config.accessTokenTtlSeconds + 300) * 1000,
    config.masterKeyPrevious,
  );
  const tokens = new AccessTokens(keys, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  const hasher = createPasswordHasher(config.argon2);
  const throttle = new LoginThrottle(createLimiter(redis, 'login', config.loginThrottle, config.rateLimit));
  const authenticator = new Authenticator({
    config,
    db: database.db,
    masterKey,
    tokens,
    hasher,
    throttle,
    state: new AccountStateCache(database.db),
  });
  const rt: AuthRuntime = { config, db: database.db, events, authenticator, tokens, hasher };
  return {
    guard: createGuard(authenticator),
    hasher,
    keys,
    rt,
    authenticate: (request) => authenticator.authenticate(request),
    checkCsrfToken: (sessionId, presented) => authenticator.checkCsrfToken(sessionId, presented),
    async startCookieSession(accountId, client) {
      const { session, cookie } = await startCookieSession(
        database.db,
        accountId,
        config.cookieSessionMaxAgeSeconds,
        client,
      );
      return { sessionId: session.id, cookie, csrfToken: authenticator.csrfToken(session.id) };
    },
    setSessionCookies: (reply, cookie, csrfToken) => setSessionCookies(reply, config, cookie, csrfToken),
    forgetAccount: (id) => authenticator.forgetAccount(id),
    forgetSession: (id) => authenticator.forgetSession(id),
    forgetApiKey: (id) => authenticator.forgetApiKey(id),
    reauthenticate: (principal, password, ip) => requireRecentPassword(rt, principal, password, ip),
  };
}

/**
 * Authentication's routes and hooks: /v1/auth (token, refresh, register, login, logout, me, sessions),
 * the JWKS, email verification and password recovery; sessions end with a deactivated account and go
 * with a deleted one; the sessions section of the account export.
 */
export const authModule =
  ({ ctx, auth }: { ctx: AppContext; auth: AuthApi }): FastifyPluginAsync =>
  async (app) => {
    const { config, events, exports, redis } = ctx;
    const { rt, keys, guard } = auth;
    // Load (or create) the signing key once the server is up; a failure here (migrations pending) is
    // retried on first use rather than stopping the boot.
    app.addHook('onReady', async () => void keys.init().catch(() => undefined));
    if (redis) {
      const bus = await connectInvalidationBus(redis, rt.authenticator.forgetLocally);
      rt.authenticator.onForget = bus.publish;
      app.addHook('onClose', bus.close);
    }
    ctx.housekeeping.register('sessions', purgeEndedSessions(ctx.config.sessionIdleSeconds));
    ctx.housekeeping.register('refresh_tokens', purgeExpiredRefreshTokens);
    events.on('account.deactivated', async (tx, { accountId }) => {
      await revokeAllSessions(tx, accountId, 'account_deactivated');
    });
    // A deleted account keeps a tombstone row; its sessions (with addresses and user agents) go entirely.
    events.on('account.deleted', async (tx, { accountId }) => {
      await tx.delete(sessions).where(eq(sessions.accountId, accountId));
    });
    exports.register('sessions', (db, id) =>
      db
        .select({
          id: sessions.id,
          kind: sessions.kind,
          scope: sessions.scope,
          user_agent: sessions.userAgent,
          ip: sessions.ip,
          created_at: sessions.createdAt,
          last_used_at: sessions.lastUsedAt,
          expires_at: sessions.expiresAt,
          revoked_at: sessions.revokedAt,
          revoked_reason: sessions.revokedReason,
        })
        .from(sessions)
        .where(eq(sessions.accountId, id))
        .orderBy(asc(sessions.createdAt), asc(sessions.id)),
    );
    await app.register(tokenRoutes, { rt, keys });
    const registrations = createLimiter(redis, 'register', config.registerThrottle, config.rateLimit);
    await app.register(authRoutes, { rt, guard, registrations });
    await registerRecovery(app, ctx, rt, guard);
  };
