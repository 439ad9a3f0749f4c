import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  isNull,
  sql,
  type AnyColumn,
  type Placeholder,
  type SQL,
} from 'drizzle-orm';
import { preparedPerDb, type Db, type DbOrTx } from '../../core/db/database.ts';
import { accounts, type Role } from '../../db/schema/accounts.ts';
import { canonicalPhone } from './phone.ts';

export type AccountRow = typeof accounts.$inferSelect;
export type NewAccountRow = typeof accounts.$inferInsert;

const live = isNull(accounts.deletedAt);
const sameEmail = (email: string | Placeholder) => sql`lower(${accounts.email}) = lower(${email})`;

/** An account that is not deleted. */
export async function findById(db: DbOrTx, id: string): Promise<AccountRow | undefined> {
  const rows = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, id), live))
    .limit(1);
  return rows[0];
}

/** Like findById, but locks the row until the transaction ends (read-check-write on one account). */
export async function findByIdForUpdate(db: DbOrTx, id: string): Promise<AccountRow | undefined> {
  const rows = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, id), live))
    .for('update')
    .limit(1);
  return rows[0];
}

/** Emails compare case-insensitively everywhere. */
export async function findByEmail(db: DbOrTx, email: string): Promise<AccountRow | undefined> {
  const rows = await db
    .select()
    .from(accounts)
    .where(and(sameEmail(email), live))
    .limit(1);
  return rows[0];
}

const findByEmailStatement = preparedPerDb((db) =>
  db
    .select()
    .from(accounts)
    .where(and(sameEmail(sql.placeholder('email')), live))
    .limit(1)
    .prepare('accounts_find_by_email'),
);

/** findByEmail as a statement prepared once, for the sign-in path (every password grant and login). */
export async function findByEmailPrepared(db: Db, email: string): Promise<AccountRow | undefined> {
  return (await findByEmailStatement(db).execute({ email }))[0];
}

/** Inserts an account; a taken email surfaces as a unique violation on `accounts_email_lower_idx`. */
export async function insert(db: DbOrTx, values: NewAccountRow): Promise<AccountRow> {
  const rows = await db.insert(accounts).values(values).returning();
  return rows[0]!;
}

export async function update(
  db: DbOrTx,
  id: string,
  values: Partial<NewAccountRow>,
): Promise<AccountRow | undefined> {
  const rows = await db
    .update(accounts)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(accounts.id, id), live))
    .returning();
  return rows[0];
}

/** Live accounts by id (creation order, ids being UUIDv7) after `afterId`; optionally one email. */
export async function listPage(
  db: DbOrTx,
  filter: { email?: string | undefined; afterId?: string | undefined; limit: number },
): Promise<AccountRow[]> {
  const where = and(
    live,
    filter.email === undefined ? undefined : sameEmail(filter.email),
    filter.afterId === undefined ? undefined : gt(accounts.id, filter.afterId),
  );
  return db.select().from(accounts).where(where).orderBy(asc(accounts.id)).limit(filter.limit);
}

export interface SearchFilter {
  readonly phoneNumber?: string | undefined;
  readonly isActive?: boolean | undefined;
  readonly role?: Role | undefined;
  readonly email?: string | undefined;
}

export type SortColumn = 'id' | 'created_at' | 'updated_at' | 'email';

const SORT_COLUMNS: Record<SortColumn, SQL | AnyColumn> = {
  id: accounts.id,
  created_at: accounts.createdAt,
  updated_at: accounts.updatedAt,
  email: sql`lower(${accounts.email})`,
};

function searchWhere(filter: SearchFilter): SQL | undefined {
  return and(
    live,
    // Either spelling of the same number (phone.ts); a value in neither matches nothing.
    filter.phoneNumber === undefined
      ? undefined
      : eq(accounts.phoneE164, canonicalPhone(filter.phoneNumber) ?? ''),
    filter.isActive === undefined ? undefined : eq(accounts.isActive, filter.isActive),
    filter.role === undefined ? undefined : sql`${filter.role} = any(${accounts.roles})`,
    filter.email === undefined ? undefined : sameEmail(filter.email),
  );
}

/** One page of live accounts matching the filter, and how many match in all. */
export async function search(
  db: DbOrTx,
  filter: SearchFilter,
  sort: { column: SortColumn; descending: boolean },
  page: { size: number; offset: number },
): Promise<{ rows: AccountRow[]; total: number }> {
  const where = searchWhere(filter);
  const direction = sort.descending ? desc : asc;
  // The id breaks ties (equal timestamps), so that pages neither repeat nor skip rows.
  const rows = await db
    .select()
    .from(accounts)
    .where(where)
    .orderBy(direction(SORT_COLUMNS[sort.column]), direction(accounts.id))
    .limit(page.size)
    .offset(page.offset);
  const [totals] = await db.select({ total: count() }).from(accounts).where(where);
  return { rows, total: Number(totals?.total ?? 0) };
}

/**
 * Locks and returns the ids of the live, active admins. Taken before a change that could remove the last
 * one, so two admins demoting each other at once are serialised and cannot both succeed.
 */
export async function lockActiveAdminIds(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(live, eq(accounts.isActive, true), sql`'admin' = any(${accounts.roles})`))
    .orderBy(asc(accounts.id))
    .for('update');
  return rows.map((r) => r.id);
}

/** Erases the personal data of an account and leaves a tombstone that references to it can keep. */
export async function erase(db: DbOrTx, id: string): Promise<boolean> {
  const now = new Date();
  const rows = await db
    .update(accounts)
    .set({
      email: null,
      name: null,
      firstName: null,
      middleName: null,
      lastName: null,
      phoneNumber: null,
      dateOfBirth: null,
      passwordHash: null,
      emailVerified: false,
      isActive: false,
      deletedAt: now,
      tokensValidAfter: now,
      updatedAt: now,
    })
    .where(and(eq(accounts.id, id), live))
    .returning({ id: accounts.id });
  return rows.length > 0;
}
