import { asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../../core/config/config.ts';
import type { AppContext } from '../../core/context.ts';
import { createLimiter } from '../../core/rate-limit/limiter.ts';
import { linkedIdentities } from '../../db/schema/identities.ts';
import type { AuthApi } from '../auth/index.ts';
import { deleteAllOf, purgeOldStates } from './identities.repository.ts';
import { identitiesRoutes } from './identities.routes.ts';
import { httpAllowed, OidcClient } from './oidc-client.ts';

export interface IdentitiesOptions {
  /** Bound on each request to a provider, in seconds (default 10). */
  readonly timeoutSeconds?: number;
}

/**
 * One relying party per provider of OIDC_PROVIDERS. Nothing is fetched here: discovery happens at first
 * use, so a provider that is down does not stop the boot. A plain-http issuer is refused in production
 * unless it is on loopback.
 */
export function createOidcClients(config: Config, options: IdentitiesOptions = {}): Map<string, OidcClient> {
  const clients = new Map<string, OidcClient>();
  for (const settings of config.oidcProviders) {
    const http = new URL(settings.issuer).protocol === 'http:';
    const allowHttp = http && httpAllowed(settings.issuer, config.env);
    if (http && !allowHttp) {
      throw new Error(
        `OIDC provider "${settings.name}": the issuer must use https in production (${settings.issuer})`,
      );
    }
    clients.set(
      settings.name,
      new OidcClient(settings, {
        redirectUri: `${config.publicUrl}/v1/auth/oauth/${settings.name}/callback`,
        allowHttp,
        timeoutSeconds: options.timeoutSeconds ?? 10,
      }),
    );
  }
  return clients;
}

export interface IdentitiesDeps extends IdentitiesOptions {
  readonly ctx: AppContext;
  readonly auth: AuthApi;
}

/**
 * Linked identities: sign-in and linking through OpenID Connect providers, and an account's links. An
 * account's deletion erases its links in the same transaction; they are listed in its export.
 * @example await app.register(identitiesModule({ ctx, auth }))
 */
export const identitiesModule =
  ({ ctx, auth, ...options }: IdentitiesDeps): FastifyPluginAsync =>
  async (app) => {
    const { config, events, exports, database, redis } = ctx;
    const providers = createOidcClients(config, options);
    events.on('account.deleted', (tx, { accountId }) => deleteAllOf(tx, accountId));
    ctx.housekeeping.register('oauth_states', purgeOldStates);
    exports.register('linked_identities', (db, id) =>
      db
        .select({
          id: linkedIdentities.id,
          provider: linkedIdentities.provider,
          subject: linkedIdentities.subject,
          email: linkedIdentities.email,
          email_verified: linkedIdentities.emailVerified,
          created_at: linkedIdentities.createdAt,
        })
        .from(linkedIdentities)
        .where(eq(linkedIdentities.accountId, id))
        .orderBy(asc(linkedIdentities.createdAt), asc(linkedIdentities.id)),
    );
    const ir = { db: database.db, config, auth, providers };
    const starts = createLimiter(redis, 'oauth-start', config.oauthStartThrottle, config.rateLimit);
    await app.register(identitiesRoutes, { ir, guard: auth.guard, starts });
  };
