import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, validationFailed } from '../../core/errors/app-error.ts';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import type { Db } from '../../core/db/database.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { actsAsAdmin, principalOf, SECURED, type Guard, type Reauthenticate } from '../../core/principal.ts';
import * as repo from './api-keys.repository.ts';
import { ApiKey, ApiKeyList, ApiKeyListQuery, CreateApiKeyBody, CreatedApiKey } from './api-keys.schemas.ts';
import { assertMayCreateKeys, createApiKey, revokeApiKey, toApiKeyView } from './api-keys.service.ts';

/** `/v1/api-keys`: create (secret shown once), list without secrets, revoke. */
export interface ApiKeysRuntime {
  readonly db: Db;
  /** The auth module's `forgetApiKey`: a revoked key stops working at once on every instance. */
  readonly forgetApiKey: (keyId: string) => void;
  /** The auth module's `reauthenticate`: the password again before minting a key. */
  readonly reauthenticate: Reauthenticate;
  /** API_KEY_MAX_TTL: the longest a key may live, and its default lifetime. */
  readonly maxTtlSeconds: number;
}

export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ rt: ApiKeysRuntime; guard: Guard }> = async (
  app,
  { rt, guard },
) => {
  for (const schema of [ApiKey, CreatedApiKey, ApiKeyList, CreateApiKeyBody]) app.addSchema(schema);
  const tags = ['api-keys'];

  app.post(
    '/v1/api-keys',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary:
          'Create an API key for yourself; the key is in this response only. Not with an API key; needs current_password or a sign-in with the password in the last REAUTH_WINDOW',
        security: SECURED,
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...problemResponses(400, 401, 403, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      assertMayCreateKeys(principal);
      await rt.reauthenticate(principal, request.body.current_password, request.ip);
      return reply.code(201).send(await createApiKey(rt.db, principal, request.body, rt.maxTtlSeconds));
    },
  );

  app.get(
    '/v1/api-keys',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary:
          'Your API keys (admins: `?owner_id=` for one account’s, `?all=true` for everyone’s), newest first',
        security: SECURED,
        querystring: ApiKeyListQuery,
        response: { 200: ApiKeyList, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { all = false, limit = 20, cursor, owner_id: ownerId } = request.query;
      if (all && ownerId !== undefined) {
        throw validationFailed([{ path: '/query/owner_id', message: 'cannot be combined with all=true' }]);
      }
      if (all && !actsAsAdmin(principal)) {
        throw new AppError('FORBIDDEN', 'Only admins list every account’s keys.');
      }
      if (ownerId !== undefined && ownerId !== principal.account.id && !actsAsAdmin(principal)) {
        throw new AppError('FORBIDDEN', 'Only admins list another account’s keys.');
      }
      const rows = await repo.list(rt.db, {
        accountId: all ? undefined : (ownerId ?? principal.account.id),
        before: decodeCursor(cursor),
        limit: limit + 1,
      });
      const { page, next } = pageOf(rows, limit);
      return { items: page.map(toApiKeyView), next_cursor: next };
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary: 'Revoke an API key (yours; admins: any); effective at once',
        security: SECURED,
        params: IdParam,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const revoked = await revokeApiKey(rt.db, principalOf(request), request.params.id);
      rt.forgetApiKey(revoked.id);
      return reply.code(204).send(null);
    },
  );
};
