// The groups module's public surface: other modules and the composition root import only from here.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { createLimiter } from '../../core/rate-limit/limiter.ts';
import type { Guard } from '../auth/index.ts';
import * as repo from './groups.repository.ts';
import { groupsRoutes } from './groups.routes.ts';
import { ALL_SCHEMAS } from './groups.schemas.ts';
import type { RecommendForAccounts } from './groups.service.ts';
import { invitationsRoutes } from './invitations.routes.ts';
import { toInvitationView } from './invitations.service.ts';

export type { RecommendForAccounts } from './groups.service.ts';

/**
 * Groups (issue 11, item 5): groups with an owner and members, invitations mailed to the invitee, and
 * recommendations for the whole group through `recommendForAccounts` (the recommendations module's, passed
 * in by the composition root). Registers the `groups` export section and the `account.deleted` cleanup.
 * @example await app.register(groupsModule({ ctx, guard, recommendForAccounts }))
 */
export function groupsModule(deps: {
  ctx: AppContext;
  guard: Guard;
  recommendForAccounts?: RecommendForAccounts | undefined;
}): FastifyPluginAsync {
  const { ctx, guard } = deps;
  return async (app) => {
    const { config } = ctx;
    const routeDeps = {
      db: ctx.database.db,
      config,
      invitations: createLimiter(ctx.redis, 'group-invite', config.groups.inviteThrottle, config.rateLimit),
      recommendForAccounts: deps.recommendForAccounts,
      guard,
    };
    // The groups it owns go with the account (no transfer), and so do its memberships and invitations.
    ctx.events.on('account.deleted', (tx, { accountId }) => repo.forgetAccount(tx, accountId));
    ctx.exports.register('groups', async (db, accountId) => {
      const { memberships, received, sent } = await repo.exportOf(db, accountId);
      return {
        memberships: memberships.map((m) => ({
          group_id: m.group.id,
          name: m.group.name,
          role: m.role,
          aggregation: m.group.aggregation,
          joined_at: m.joinedAt.toISOString(),
        })),
        invitations_received: received.map((r) => toInvitationView(r)),
        invitations_sent: sent.map((r) => toInvitationView(r)),
      };
    });
    // Shared by both route plugins below (a schema added inside one is not seen by its sibling).
    for (const schema of ALL_SCHEMAS) app.addSchema(schema);
    await app.register(groupsRoutes(routeDeps));
    await app.register(invitationsRoutes(routeDeps));
  };
}
