import type { Config } from '../../core/config/config.ts';
import type { Limiter } from '../../core/rate-limit/limiter.ts';
import type { Db, DbOrTx } from '../../core/db/database.ts';
import { AppError, forbidden, notFound } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import type { GroupAggregation } from '../../db/schema/groups.ts';
import type { Principal } from '../auth/index.ts';
import * as repo from './groups.repository.ts';
import type { CreateGroupBody, ItemKind, UpdateGroupBody } from './groups.schemas.ts';

/**
 * What the recommendations module exports for a group: one list for several accounts, their predicted
 * scores combined by `aggregation`, excluding anything any of them rated. Typed here so that this module
 * does not import that one (the composition root passes it in).
 */
/** The least of an item this module relies on: the API view of an item (snake_case), passed through. */
export interface RecommendedItem {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
}

export type RecommendForAccounts = (
  accountIds: string[],
  opts: { aggregation: GroupAggregation; limit: number; kind?: ItemKind },
) => Promise<{ items: Array<{ item: RecommendedItem; score: number; engine: string; reason: string }> }>;

export interface GroupsDeps {
  readonly db: Db;
  readonly config: Config;
  /** GROUP_INVITE_THROTTLE, per inviter and per invitee: every invitation is a mail to someone. */
  readonly invitations: Limiter;
  /** Absent until the recommendations module is wired: the route then answers 503. */
  readonly recommendForAccounts?: RecommendForAccounts | undefined;
}

type MemberGroup = repo.GroupRow & { role: 'owner' | 'member' };

/**
 * The group if the principal is a member; anyone else — admins included — gets 404, as if it did not
 * exist (004 let anyone read any group).
 */
export async function memberGroup(db: DbOrTx, principal: Principal, groupId: string): Promise<MemberGroup> {
  const group = await repo.findForMember(db, groupId, principal.account.id);
  if (!group) throw notFound('group');
  return group;
}

/** Creates a group; its creator is its owner and first member. */
export async function createGroup(deps: GroupsDeps, principal: Principal, body: CreateGroupBody) {
  const group = await deps.db.transaction((tx) =>
    repo.insertGroup(tx, {
      id: newId(),
      ownerId: principal.account.id,
      name: body.name,
      aggregation: body.aggregation ?? deps.config.groups.defaultAggregation,
    }),
  );
  return groupDetail(deps.db, { ...group, role: 'owner' });
}

export async function groupDetail(db: DbOrTx, group: MemberGroup) {
  const members = await repo.membersOf(db, group.id);
  return {
    ...toGroupSummary(group, members.length),
    members: members.map((m) => ({
      account_id: m.accountId,
      name: m.name,
      role: m.role,
      joined_at: m.joinedAt.toISOString(),
    })),
  };
}

/** Renames the group or changes its aggregation: the owner only (a member is told so: 403). */
export async function updateGroup(
  deps: GroupsDeps,
  principal: Principal,
  groupId: string,
  body: UpdateGroupBody,
) {
  return deps.db.transaction(async (tx) => {
    const group = await repo.findForMember(tx, groupId, principal.account.id, { lock: true });
    if (!group) throw notFound('group');
    if (group.role !== 'owner') throw forbidden('Only the group’s owner changes it.');
    const updated = await repo.updateGroup(tx, groupId, {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.aggregation === undefined ? {} : { aggregation: body.aggregation }),
    });
    if (!updated) throw notFound('group');
    return groupDetail(tx, { ...updated, role: 'owner' });
  });
}

/**
 * The owner deletes the group (with its members and invitations); a member leaves it. There is no
 * transfer of ownership: an owner who wants the group to live on asks a member to create a new one.
 */
export async function deleteOrLeave(deps: GroupsDeps, principal: Principal, groupId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const group = await repo.findForMember(tx, groupId, principal.account.id, { lock: true });
    if (!group) throw notFound('group');
    if (group.role === 'owner') await repo.deleteGroup(tx, groupId);
    else await repo.removeMember(tx, groupId, principal.account.id);
  });
}

/** Recommendations for the whole group: members only; the aggregation asked for, or the group's. */
export async function groupRecommendations(
  deps: GroupsDeps,
  principal: Principal,
  groupId: string,
  query: { limit?: number; kind?: ItemKind; aggregation?: GroupAggregation },
) {
  const group = await memberGroup(deps.db, principal, groupId);
  if (!deps.recommendForAccounts)
    throw new AppError('UNAVAILABLE', 'Group recommendations are not available on this server yet.');
  const members = await repo.memberIdsOf(deps.db, groupId);
  const aggregation = query.aggregation ?? group.aggregation;
  const { items } = await deps.recommendForAccounts(members, {
    aggregation,
    limit: query.limit ?? 20,
    ...(query.kind === undefined ? {} : { kind: query.kind }),
  });
  return { aggregation, members: members.length, items };
}

export function toGroupSummary(group: MemberGroup, memberCount: number) {
  return {
    id: group.id,
    name: group.name,
    owner_id: group.ownerId,
    aggregation: group.aggregation,
    role: group.role,
    member_count: memberCount,
    created_at: group.createdAt.toISOString(),
  };
}
