import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../core/db/database.ts';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import * as repo from './catalog.repository.ts';
import { Item, Suggestion, SuggestionInput, SuggestionList, SuggestionListQuery } from './catalog.schemas.ts';
import { acceptSuggestion, declineSuggestion, suggest } from './catalog.service.ts';
import { toItemView, toSuggestionView } from './catalog.view.ts';

/** `/v1/items/suggestions`: any user suggests an item; admins list, accept (it becomes an item) or decline. */
export function suggestionsRoutes(deps: { db: Db; guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { db, guard } = deps;
    const common = { tags: ['items'], security: SECURED };

    app.post(
      '/v1/items/suggestions',
      {
        preHandler: guard({ scope: 'recommendations:write' }),
        schema: {
          ...common,
          summary: 'Suggest an item for the catalogue; an admin accepts or declines it',
          body: SuggestionInput,
          response: { 201: Suggestion, ...problemResponses(400, 401, 403, 415, 422) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(toSuggestionView(await suggest(db, principalOf(request).account.id, request.body))),
    );

    app.get(
      '/v1/items/suggestions',
      {
        preHandler: guard({ scope: 'admin' }),
        schema: {
          ...common,
          summary: 'Suggestions of a status (default pending), newest first (admin)',
          querystring: SuggestionListQuery,
          response: { 200: SuggestionList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const { limit = 20, cursor, status = 'pending' } = request.query;
        const rows = await repo.listSuggestions(db, {
          status,
          before: decodeCursor(cursor),
          limit: limit + 1,
        });
        const { page, next } = pageOf(rows, limit);
        return { items: page.map(toSuggestionView), next_cursor: next };
      },
    );

    app.post(
      '/v1/items/suggestions/:id/accept',
      {
        preHandler: guard({ scope: 'admin' }),
        schema: {
          ...common,
          summary: 'Accept a pending suggestion: it becomes an item (admin); 409 once decided',
          params: IdParam,
          response: { 201: Item, ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { item } = await acceptSuggestion(db, principalOf(request).account.id, request.params.id);
        return reply.code(201).send(toItemView(item));
      },
    );

    app.post(
      '/v1/items/suggestions/:id/decline',
      {
        preHandler: guard({ scope: 'admin' }),
        schema: {
          ...common,
          summary: 'Decline a pending suggestion (admin); 409 once decided',
          params: IdParam,
          response: { 200: Suggestion, ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request) =>
        toSuggestionView(await declineSuggestion(db, principalOf(request).account.id, request.params.id)),
    );
  };
}
