import { asc, eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard, Reauthenticate } from '../../core/principal.ts';
import { apiKeys } from '../../db/schema/api-keys.ts';
import { revokeAllOf } from './api-keys.repository.ts';
import { apiKeysRoutes } from './api-keys.routes.ts';

export interface ApiKeysDeps {
  readonly ctx: AppContext;
  readonly guard: Guard;
  /** The auth module's `forgetApiKey`. */
  readonly forgetApiKey: (keyId: string) => void;
  /** The auth module's `reauthenticate`: minting a key needs the password again. */
  readonly reauthenticate: Reauthenticate;
}

/**
 * API keys: /v1/api-keys (create, list, revoke); an account's keys are revoked with it and listed in its
 * export (never their hashes). The authenticator verifies keys through `verifyApiKey` (index.ts).
 * @example await app.register(apiKeysModule({ ctx, guard: auth.guard, forgetApiKey: auth.forgetApiKey, reauthenticate: auth.reauthenticate }))
 */
export const apiKeysModule =
  ({ ctx, guard, forgetApiKey, reauthenticate }: ApiKeysDeps): FastifyPluginAsync =>
  async (app) => {
    ctx.events.on('account.deleted', async (tx, { accountId }) => {
      await revokeAllOf(tx, accountId);
    });
    ctx.exports.register('api_keys', (db, id) =>
      db
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          prefix: apiKeys.prefix,
          scopes: apiKeys.scopes,
          created_at: apiKeys.createdAt,
          last_used_at: apiKeys.lastUsedAt,
          expires_at: apiKeys.expiresAt,
          revoked_at: apiKeys.revokedAt,
        })
        .from(apiKeys)
        .where(eq(apiKeys.accountId, id))
        .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id)),
    );
    const maxTtlSeconds = ctx.config.apiKeyMaxTtlSeconds;
    const rt = { db: ctx.database.db, forgetApiKey, reauthenticate, maxTtlSeconds };
    await app.register(apiKeysRoutes, { rt, guard });
  };
