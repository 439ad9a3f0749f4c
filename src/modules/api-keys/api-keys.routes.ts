import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors/app-error.ts';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import type { Db } from '../../core/db/database.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { actsAsAdmin, principalOf, SECURED, type Guard } from '../../core/principal.ts';
import * as repo from './api-keys.repository.ts';
import { ApiKey, ApiKeyList, ApiKeyListQuery, CreateApiKeyBody, CreatedApiKey } from './api-keys.schemas.ts';
import { createApiKey, revokeApiKey, toApiKeyView } from './api-keys.service.ts';

/** `/v1/api-keys`: create (secret shown once), list without secrets, revoke. */
export interface ApiKeysRuntime {
  readonly db: Db;
  /** The auth module's `forgetApiKey`: a revoked key stops working at once on every instance. */
  readonly forgetApiKey: (keyId: string) => void;
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
        summary: 'Create an API key for yourself; the key is in this response only',
        security: SECURED,
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...problemResponses(400, 401, 403, 415, 422) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createApiKey(rt.db, principalOf(request), request.body)),
  );

  app.get(
    '/v1/api-keys',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary: 'Your API keys (admins: `?all=true` for everyone’s), newest first',
        security: SECURED,
        querystring: ApiKeyListQuery,
        response: { 200: ApiKeyList, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { all = false, limit = 20, cursor } = request.query;
      if (all && !actsAsAdmin(principal)) {
        throw new AppError('FORBIDDEN', 'Only admins list every account’s keys.');
      }
      const rows = await repo.list(rt.db, {
        accountId: all ? undefined : principal.account.id,
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
