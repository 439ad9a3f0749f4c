import { and, asc, count, desc, eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { invitationViews } from './invitations.repository.ts';
import { accounts } from '../../db/schema/accounts.ts';
import { groupInvitations, groupMembers, groups, type GroupRole } from '../../db/schema/groups.ts';

export type GroupRow = typeof groups.$inferSelect;

/** A group and the caller's role in it, or undefined when the caller is not a member. */
export async function findForMember(
  db: DbOrTx,
  groupId: string,
  accountId: string,
  options: { lock?: boolean } = {},
): Promise<(GroupRow & { role: GroupRole }) | undefined> {
  const query = db
    .select({ group: groups, role: groupMembers.role })
    .from(groups)
    .innerJoin(groupMembers, and(eq(groupMembers.groupId, groups.id), eq(groupMembers.accountId, accountId)))
    .where(eq(groups.id, groupId))
    .limit(1);
  // The group row is locked (not the membership) so that invitations and joins of one group take turns.
  const [row] = await (options.lock ? query.for('update', { of: groups }) : query);
  return row && { ...row.group, role: row.role };
}

export async function findById(db: DbOrTx, groupId: string, options: { lock?: boolean } = {}) {
  const query = db.select().from(groups).where(eq(groups.id, groupId)).limit(1);
  return (await (options.lock ? query.for('update') : query))[0];
}

export async function insertGroup(db: DbOrTx, values: typeof groups.$inferInsert): Promise<GroupRow> {
  const row = (await db.insert(groups).values(values).returning())[0]!;
  await db.insert(groupMembers).values({ groupId: row.id, accountId: row.ownerId, role: 'owner' });
  return row;
}

export async function updateGroup(
  db: DbOrTx,
  groupId: string,
  values: Partial<Pick<GroupRow, 'name' | 'aggregation'>>,
): Promise<GroupRow | undefined> {
  const rows = await db
    .update(groups)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(groups.id, groupId))
    .returning();
  return rows[0];
}

export async function deleteGroup(db: DbOrTx, groupId: string): Promise<void> {
  await db.delete(groups).where(eq(groups.id, groupId));
}

/** Members, owner first then by join date, with their display names (never emails). */
export async function membersOf(db: DbOrTx, groupId: string) {
  return db
    .select({
      accountId: groupMembers.accountId,
      name: accounts.name,
      role: groupMembers.role,
      joinedAt: groupMembers.joinedAt,
    })
    .from(groupMembers)
    .innerJoin(accounts, eq(accounts.id, groupMembers.accountId))
    .where(eq(groupMembers.groupId, groupId))
    .orderBy(
      sql`${groupMembers.role} = 'owner' desc`,
      asc(groupMembers.joinedAt),
      asc(groupMembers.accountId),
    );
}

export async function memberIdsOf(db: DbOrTx, groupId: string): Promise<string[]> {
  const rows = await db
    .select({ id: groupMembers.accountId })
    .from(groupMembers)
    .where(eq(groupMembers.groupId, groupId))
    .orderBy(asc(groupMembers.accountId));
  return rows.map((r) => r.id);
}

export async function countMembers(db: DbOrTx, groupId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(groupMembers).where(eq(groupMembers.groupId, groupId));
  return row?.n ?? 0;
}

export async function isMember(db: DbOrTx, groupId: string, accountId: string): Promise<boolean> {
  const rows = await db
    .select({ id: groupMembers.accountId })
    .from(groupMembers)
    .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.accountId, accountId)))
    .limit(1);
  return rows.length > 0;
}

export async function addMember(db: DbOrTx, groupId: string, accountId: string): Promise<void> {
  await db.insert(groupMembers).values({ groupId, accountId, role: 'member' });
}

export async function removeMember(db: DbOrTx, groupId: string, accountId: string): Promise<void> {
  await db
    .delete(groupMembers)
    .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.accountId, accountId)));
}

/** The caller's groups, newest group first, after the cursor id, with each one's member count. */
export async function groupsOf(db: DbOrTx, accountId: string, before: string | undefined, limit: number) {
  const conditions = [eq(groupMembers.accountId, accountId)];
  if (before) conditions.push(lt(groups.id, before));
  return db
    .select({
      group: groups,
      role: groupMembers.role,
      memberCount: sql<number>`(select count(*)::int from group_members m where m.group_id = ${groups.id})`,
    })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(and(...conditions))
    .orderBy(desc(groups.id))
    .limit(limit);
}

/**
 * `account.deleted`: the groups it owns go (with their members and invitations), then its memberships and
 * the invitations it received or sent. In the deleting transaction.
 */
export async function forgetAccount(db: DbOrTx, accountId: string): Promise<void> {
  await db.delete(groups).where(eq(groups.ownerId, accountId));
  await db.delete(groupMembers).where(eq(groupMembers.accountId, accountId));
  await db.delete(groupInvitations).where(eq(groupInvitations.accountId, accountId));
  await db.delete(groupInvitations).where(eq(groupInvitations.invitedBy, accountId));
}

/** For the account's export: its memberships, and the invitations it received and sent. */
export async function exportOf(db: DbOrTx, accountId: string) {
  const memberships = await db
    .select({ group: groups, role: groupMembers.role, joinedAt: groupMembers.joinedAt })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(eq(groupMembers.accountId, accountId))
    .orderBy(asc(groups.id));
  const received = await invitationViews(db)
    .where(eq(groupInvitations.accountId, accountId))
    .orderBy(asc(groupInvitations.id));
  const sent = await invitationViews(db)
    .where(eq(groupInvitations.invitedBy, accountId))
    .orderBy(asc(groupInvitations.id));
  return { memberships, received, sent };
}
