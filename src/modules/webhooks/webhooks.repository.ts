import { and, count, desc, eq, lt, ne, type SQL } from 'drizzle-orm';
import { runRaw, type DbOrTx, type RawStatement } from '../../core/db/database.ts';
import { webhookDeliveries, webhooks } from '../../db/schema/webhooks.ts';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export async function insert(db: DbOrTx, values: typeof webhooks.$inferInsert): Promise<WebhookRow> {
  return (await db.insert(webhooks).values(values).returning())[0]!;
}

export async function findById(db: DbOrTx, id: string): Promise<WebhookRow | undefined> {
  return (await db.select().from(webhooks).where(eq(webhooks.id, id)).limit(1))[0];
}

export async function countOf(db: DbOrTx, accountId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(webhooks).where(eq(webhooks.accountId, accountId));
  return row?.n ?? 0;
}

/** Newest first, after the cursor id; one account's, or everyone's. */
export async function list(
  db: DbOrTx,
  filter: { accountId?: string; before?: string; limit: number },
): Promise<WebhookRow[]> {
  const conditions: (SQL | undefined)[] = [];
  if (filter.accountId) conditions.push(eq(webhooks.accountId, filter.accountId));
  if (filter.before) conditions.push(lt(webhooks.id, filter.before));
  return db
    .select()
    .from(webhooks)
    .where(and(...conditions))
    .orderBy(desc(webhooks.id))
    .limit(filter.limit);
}

export async function remove(db: DbOrTx, id: string): Promise<boolean> {
  return (await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id })).length > 0;
}

export async function removeAllOf(db: DbOrTx, accountId: string): Promise<void> {
  await db.delete(webhooks).where(eq(webhooks.accountId, accountId));
}

// Hand-written: every issuance asks it, inside its transaction.
export const SUBSCRIBERS: RawStatement = {
  name: 'webhooks_subscribers',
  text: `select w.id from webhooks w join accounts a on a.id = w.account_id
         where $1::text = any(w.events) and a.deleted_at is null
           and (w.account_id = $2::uuid or (w.all_accounts and 'admin' = any(a.roles)))`,
};

/**
 * The webhooks an event about `ownerId`'s resources goes to: the owner's own, and every live admin's
 * all-accounts webhook (an admin who lost the role stops receiving other accounts' events at once).
 */
export async function subscribersOf(db: DbOrTx, eventType: string, ownerId: string): Promise<string[]> {
  const rows = await runRaw<{ id: string }>(db, SUBSCRIBERS, [eventType, ownerId]);
  return rows.map((r) => r.id);
}

export async function insertDeliveries(
  db: DbOrTx,
  rows: (typeof webhookDeliveries.$inferInsert)[],
): Promise<void> {
  if (rows.length > 0) await db.insert(webhookDeliveries).values(rows);
}

export async function findDelivery(
  db: DbOrTx,
  webhookId: string,
  id: string,
): Promise<DeliveryRow | undefined> {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.webhookId, webhookId)))
    .limit(1);
  return rows[0];
}

/** A delivery with what sending it needs, for the job. */
export async function findForSending(db: DbOrTx, id: string) {
  const rows = await db
    .select({ delivery: webhookDeliveries, url: webhooks.url, secretSealed: webhooks.secretSealed })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, id))
    .limit(1);
  return rows[0];
}

export async function listDeliveries(
  db: DbOrTx,
  filter: { webhookId: string; before?: string; limit: number },
): Promise<DeliveryRow[]> {
  const conditions = [eq(webhookDeliveries.webhookId, filter.webhookId)];
  if (filter.before) conditions.push(lt(webhookDeliveries.id, filter.before));
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.id))
    .limit(filter.limit);
}

/** Records one attempt's outcome (only while the delivery is still pending). */
export async function recordAttempt(
  db: DbOrTx,
  id: string,
  values: Pick<
    DeliveryRow,
    'status' | 'attempts' | 'responseStatus' | 'durationMs' | 'lastError' | 'nextAttemptAt' | 'lastAttemptAt'
  >,
): Promise<boolean> {
  const rows = await db
    .update(webhookDeliveries)
    .set(values)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'pending')))
    .returning({ id: webhookDeliveries.id });
  return rows.length > 0;
}

/** Puts a finished (succeeded or failed) delivery back to pending; false when it already was. */
export async function reopen(db: DbOrTx, id: string, at: Date): Promise<DeliveryRow | undefined> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', nextAttemptAt: at })
    .where(and(eq(webhookDeliveries.id, id), ne(webhookDeliveries.status, 'pending')))
    .returning();
  return rows[0];
}

export async function setNextAttempt(db: DbOrTx, id: string, at: Date): Promise<DeliveryRow | undefined> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: at })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'pending')))
    .returning();
  return rows[0];
}

/** For the account's export: its webhooks, without secrets. */
export async function exportOf(db: DbOrTx, accountId: string) {
  return db
    .select({
      id: webhooks.id,
      url: webhooks.url,
      events: webhooks.events,
      allAccounts: webhooks.allAccounts,
      createdAt: webhooks.createdAt,
    })
    .from(webhooks)
    .where(eq(webhooks.accountId, accountId))
    .orderBy(webhooks.id);
}

export async function allSealedSecrets(db: DbOrTx): Promise<{ id: string; secretSealed: string }[]> {
  return db.select({ id: webhooks.id, secretSealed: webhooks.secretSealed }).from(webhooks);
}

export async function updateSealedSecrets(
  db: DbOrTx,
  rows: readonly { id: string; secretSealed: string }[],
): Promise<void> {
  for (const row of rows) {
    await db.update(webhooks).set({ secretSealed: row.secretSealed }).where(eq(webhooks.id, row.id));
  }
}
