import { and, count, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { accounts } from '../../db/schema/accounts.ts';
import { groupInvitations, groups } from '../../db/schema/groups.ts';

export type InvitationRow = typeof groupInvitations.$inferSelect;

export async function countInvitations(db: DbOrTx, groupId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(groupInvitations)
    .where(eq(groupInvitations.groupId, groupId));
  return row?.n ?? 0;
}

/** A live account (not deleted, not deactivated) that can be invited, with its address for the mail. */
export async function findInvitee(db: DbOrTx, accountId: string) {
  const rows = await db
    .select({ id: accounts.id, email: accounts.email, name: accounts.name })
    .from(accounts)
    .where(and(eq(accounts.id, accountId), isNull(accounts.deletedAt), eq(accounts.isActive, true)))
    .limit(1);
  const row = rows[0];
  return row?.email ? { ...row, email: row.email } : undefined;
}

export async function insertInvitation(
  db: DbOrTx,
  values: typeof groupInvitations.$inferInsert,
): Promise<InvitationRow> {
  return (await db.insert(groupInvitations).values(values).returning())[0]!;
}

export async function findInvitation(
  db: DbOrTx,
  groupId: string,
  invitationId: string,
  options: { lock?: boolean } = {},
): Promise<InvitationRow | undefined> {
  const query = db
    .select()
    .from(groupInvitations)
    .where(and(eq(groupInvitations.id, invitationId), eq(groupInvitations.groupId, groupId)))
    .limit(1);
  return (await (options.lock ? query.for('update') : query))[0];
}

export async function hasInvitation(db: DbOrTx, groupId: string, accountId: string): Promise<boolean> {
  const rows = await db
    .select({ id: groupInvitations.id })
    .from(groupInvitations)
    .where(and(eq(groupInvitations.groupId, groupId), eq(groupInvitations.accountId, accountId)))
    .limit(1);
  return rows.length > 0;
}

export async function deleteInvitation(db: DbOrTx, invitationId: string): Promise<boolean> {
  const rows = await db
    .delete(groupInvitations)
    .where(eq(groupInvitations.id, invitationId))
    .returning({ id: groupInvitations.id });
  return rows.length > 0;
}

const inviter = sql`(select a.name from accounts a where a.id = ${groupInvitations.invitedBy})`;

/** Invitations with what the invitee needs to decide: the group's name and the inviter's display name. */
export function invitationViews(db: DbOrTx) {
  return db
    .select({
      invitation: groupInvitations,
      groupName: groups.name,
      inviterName: sql<string | null>`${inviter}`,
    })
    .from(groupInvitations)
    .innerJoin(groups, eq(groups.id, groupInvitations.groupId));
}
export type InvitationView = Awaited<ReturnType<typeof invitationViews>>[number];

/** The account's pending invitations, newest first, after the cursor id. */
export async function invitationsFor(
  db: DbOrTx,
  accountId: string,
  before: string | undefined,
  limit: number,
) {
  const conditions = [eq(groupInvitations.accountId, accountId)];
  if (before) conditions.push(lt(groupInvitations.id, before));
  return invitationViews(db)
    .where(and(...conditions))
    .orderBy(desc(groupInvitations.id))
    .limit(limit);
}

/** A group's pending invitations, newest first, after the cursor id (for its owner). */
export async function invitationsOf(db: DbOrTx, groupId: string, before: string | undefined, limit: number) {
  const conditions = [eq(groupInvitations.groupId, groupId)];
  if (before) conditions.push(lt(groupInvitations.id, before));
  return invitationViews(db)
    .where(and(...conditions))
    .orderBy(desc(groupInvitations.id))
    .limit(limit);
}

export async function invitationView(db: DbOrTx, invitationId: string): Promise<InvitationView | undefined> {
  return (await invitationViews(db).where(eq(groupInvitations.id, invitationId)).limit(1))[0];
}
