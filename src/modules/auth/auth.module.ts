import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import fp from 'fastify-plugin';
import { sessions } from '../../db/schema/sessions.ts';
import { createLimiter } from '../../core/rate-limit/limiter.ts';
import { AccountStateCache } from './account-state.ts';
import { createGuard } from './auth.guard.ts';
import { authRoutes } from './auth.routes.ts';
import type { AuthRuntime } from './auth.service.ts';
import { Authenticator } from './authenticator.ts';
import { connectInvalidationBus } from './invalidation-bus.ts';
import { LoginThrottle } from './login-throttle.ts';
import { createPasswordHasher } from './passwords/password-hasher.ts';
import { tokenRoutes } from './token.routes.ts';
import { AccessTokens } from './tokens/access-tokens.ts';
import { SigningKeyStore } from './tokens/signing-keys.ts';

export interface AuthModule {
  readonly rt: AuthRuntime;
  readonly guard: ReturnType<typeof createGuard>;
  readonly keys: SigningKeyStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthModule;
  }
}

/**
 * Authentication: builds the key store, token issuer, password hasher, throttle and authenticator once,
 * exposes `app.auth.guard(...)` to every module, and registers the /v1/auth routes and the JWKS.
 */
export const authModule = fp(async (app: FastifyInstance) => {
  const { config, database, masterKey, redis, events } = app.ctx;

  // Retired keys stay published while tokens they signed may live, plus a margin for slow instances.
  const keys = new SigningKeyStore(database.db, masterKey, (config.accessTokenTtlSeconds + 300) * 1000);
  // Load (or create) the signing key once the server is up; a failure here (migrations pending) is retried
  // on first use rather than stopping the boot.
  app.addHook('onReady', async () => void keys.init().catch(() => undefined));
  const tokens = new AccessTokens(keys, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  const hasher = createPasswordHasher(config.argon2);
  const throttle = new LoginThrottle(createLimiter(redis, 'login', config.loginThrottle, config.rateLimit));
  const registrations = createLimiter(redis, 'register', config.registerThrottle, config.rateLimit);
  const authenticator = new Authenticator({
    config,
    db: database.db,
    masterKey,
    tokens,
    hasher,
    throttle,
    state: new AccountStateCache(database.db),
  });
  if (redis) {
    const bus = await connectInvalidationBus(redis, authenticator.forgetLocally);
    authenticator.onForget = bus.publish;
    app.addHook('onClose', bus.close);
  }

  // A deleted account keeps a tombstone row; its sessions (with addresses and user agents) go entirely.
  events.on('account.deleted', async (tx, { accountId }) => {
    await tx.delete(sessions).where(eq(sessions.accountId, accountId));
  });

  const rt: AuthRuntime = { config, db: database.db, events, authenticator, tokens, hasher };
  const guard = createGuard(authenticator);
  app.decorate('auth', { rt, guard, keys });
  await app.register(tokenRoutes, { rt, keys });
  await app.register(authRoutes, { rt, guard, registrations });
});
