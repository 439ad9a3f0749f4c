import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import { IdParam, PageQuery, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import * as repo from './groups.repository.ts';
import {
  CreateGroupBody,
  Group,
  GroupList,
  GroupRecommendations,
  RecommendationsQuery,
  UpdateGroupBody,
} from './groups.schemas.ts';
import {
  createGroup,
  deleteOrLeave,
  groupDetail,
  groupRecommendations,
  memberGroup,
  toGroupSummary,
  updateGroup,
  type GroupsDeps,
} from './groups.service.ts';

/** `/v1/groups`: create, list yours, read (members only), change (owner), delete or leave, recommendations. */
export function groupsRoutes(deps: GroupsDeps & { guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { guard, db } = deps;
    const common = { tags: ['groups'], security: SECURED };
    const read = guard({ scope: 'recommendations:read' });
    const write = guard({ scope: 'recommendations:write' });

    app.post(
      '/v1/groups',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'Create a group; you are its owner and first member',
          body: CreateGroupBody,
          response: { 201: Group, ...problemResponses(400, 401, 403, 415, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createGroup(deps, principalOf(request), request.body)),
    );

    app.get(
      '/v1/groups',
      {
        preHandler: read,
        schema: {
          ...common,
          summary: 'The groups you are a member of, newest first',
          querystring: PageQuery,
          response: { 200: GroupList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const { limit = 20, cursor } = request.query;
        const rows = await repo.groupsOf(
          db,
          principalOf(request).account.id,
          decodeCursor(cursor),
          limit + 1,
        );
        const { page, next } = pageOf(
          rows.map((r) => ({ ...r, id: r.group.id })),
          limit,
        );
        return {
          items: page.map((r) => toGroupSummary({ ...r.group, role: r.role }, r.memberCount)),
          next_cursor: next,
        };
      },
    );

    app.get(
      '/v1/groups/:id',
      {
        preHandler: read,
        schema: {
          ...common,
          summary: 'A group you are a member of, with its members (names only); anyone else gets 404',
          params: IdParam,
          response: { 200: Group, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return groupDetail(db, await memberGroup(db, principal, request.params.id));
      },
    );

    app.patch(
      '/v1/groups/:id',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'Rename the group or change its aggregation (owner; a member gets 403)',
          params: IdParam,
          body: UpdateGroupBody,
          response: { 200: Group, ...problemResponses(400, 401, 403, 404, 415, 422) },
        },
      },
      async (request) => updateGroup(deps, principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/v1/groups/:id',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'The owner deletes the group (members and invitations go with it); a member leaves it',
          params: IdParam,
          response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        await deleteOrLeave(deps, principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/groups/:id/recommendations',
      {
        preHandler: read,
        schema: {
          ...common,
          summary:
            'Recommendations for the whole group (members only): nothing any member rated; `aggregation` overrides the group’s',
          params: IdParam,
          querystring: RecommendationsQuery,
          response: { 200: GroupRecommendations, ...problemResponses(401, 403, 404, 422, 503) },
        },
      },
      async (request) => groupRecommendations(deps, principalOf(request), request.params.id, request.query),
    );
  };
}
