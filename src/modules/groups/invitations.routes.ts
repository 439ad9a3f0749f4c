import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import { IdParam, PageQuery, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import * as invitationsRepo from './invitations.repository.ts';
import { CreateInvitationBody, Invitation, InvitationList, InvitationParams } from './groups.schemas.ts';
import type { GroupsDeps } from './groups.service.ts';
import { accept, assertOwner, invite, refuseOrWithdraw, toInvitationView } from './invitations.service.ts';

/** Invitations: the owner invites and withdraws, the invitee sees, accepts or refuses its own. */
export function invitationsRoutes(deps: GroupsDeps & { guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { guard, db } = deps;
    const common = { tags: ['groups'], security: SECURED };
    const read = guard({ scope: 'recommendations:read' });
    const write = guard({ scope: 'recommendations:write' });
    const page = (rows: invitationsRepo.InvitationView[], limit: number) => {
      const { page: items, next } = pageOf(
        rows.map((r) => ({ ...r, id: r.invitation.id })),
        limit,
      );
      return { items: items.map((r) => toInvitationView(r)), next_cursor: next };
    };

    app.post(
      '/v1/groups/:id/invitations',
      {
        preHandler: write,
        schema: {
          ...common,
          summary:
            'Invite an account (owner); the invitee is mailed. Member or already invited: 409; GROUP_INVITE_THROTTLE: 429',
          params: IdParam,
          body: CreateInvitationBody,
          response: { 201: Invitation, ...problemResponses(400, 401, 403, 404, 409, 415, 422, 429) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await invite(deps, principalOf(request), request.params.id, request.body.account_id)),
    );

    app.get(
      '/v1/groups/:id/invitations',
      {
        preHandler: read,
        schema: {
          ...common,
          summary: 'The group’s pending invitations, newest first (owner; a member gets 403)',
          params: IdParam,
          querystring: PageQuery,
          response: { 200: InvitationList, ...problemResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request) => {
        await assertOwner(db, principalOf(request), request.params.id);
        const { limit = 20, cursor } = request.query;
        return page(
          await invitationsRepo.invitationsOf(db, request.params.id, decodeCursor(cursor), limit + 1),
          limit,
        );
      },
    );

    app.put(
      '/v1/groups/:id/invitations/:invitation_id',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'Accept an invitation (the invitee only): you become a member',
          params: InvitationParams,
          response: { 200: Invitation, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => accept(deps, principalOf(request), request.params.id, request.params.invitation_id),
    );

    app.delete(
      '/v1/groups/:id/invitations/:invitation_id',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'Refuse an invitation (the invitee) or withdraw it (the owner)',
          params: InvitationParams,
          response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        await refuseOrWithdraw(deps, principalOf(request), request.params.id, request.params.invitation_id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/me/invitations',
      {
        preHandler: read,
        schema: {
          ...common,
          summary: 'Your pending group invitations, newest first (you are not a member of those groups yet)',
          querystring: PageQuery,
          response: { 200: InvitationList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const { limit = 20, cursor } = request.query;
        const rows = await invitationsRepo.invitationsFor(
          db,
          principalOf(request).account.id,
          decodeCursor(cursor),
          limit + 1,
        );
        return page(rows, limit);
      },
    );
  };
}
