import { and, desc, eq, gte, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { runRaw, type DbOrTx, type RawStatement } from '../../core/db/database.ts';
import type { WritePart } from '../../core/db/writes.ts';
import { newId } from '../../core/ids.ts';
import { auditLog } from '../../db/schema/audit.ts';

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditEntry {
  readonly action: string;
  readonly target: string;
  readonly actorId: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
  readonly details: Record<string, unknown>;
}

/**
 * Records one entry inside the caller's transaction, so it commits or rolls back with the change it
 * records. A plain insert, taking no lock: the chainer links committed rows into the chain afterwards, so
 * concurrent changes (thousands of issuances a second) never queue behind one another here.
 * @example await appendAudit(tx, { action: 'ca.init', target: 'ca:root', actorId: null, requestId: null, ip: null, details: {} })
 */
const APPEND: RawStatement = {
  name: 'audit_append',
  text: `insert into audit_log (id, occurred_at, action, actor_id, request_id, ip, target, details)
         values ($1::uuid, $2::timestamptz, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text::jsonb)`,
};

/**
 * Records one entry inside the caller's transaction, so it commits or rolls back with the change it
 * records. A plain insert, taking no lock: the chainer links committed rows into the chain afterwards, so
 * concurrent changes (thousands of issuances a second) never queue behind one another here. Hand-written
 * SQL: every issuance appends one.
 * @example await appendAudit(tx, { action: 'ca.init', target: 'ca:root', actorId: null, requestId: null, ip: null, details: {} })
 */
export async function append(tx: DbOrTx, entry: AuditEntry): Promise<{ id: string }> {
  const id = newId();
  await runRaw(tx, APPEND, appendValues(id, entry));
  return { id };
}

function appendValues(id: string, entry: AuditEntry): unknown[] {
  return [
    id,
    new Date().toISOString(),
    entry.action,
    entry.actorId,
    entry.requestId,
    entry.ip,
    entry.target,
    // As jsonb will give it back: no undefined members, no non-JSON values.
    JSON.stringify(entry.details),
  ];
}

/** The same append as a part of the change's own statement (core/db/writes.ts). */
export function appendPart(entry: AuditEntry): WritePart {
  return { key: 'audit_append', ctes: [['row', APPEND.text]], values: appendValues(newId(), entry) };
}

/** The last chained row. */
export async function head(db: DbOrTx): Promise<{ seq: number; hash: string } | undefined> {
  const rows = await db
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .where(sql`${auditLog.seq} is not null`)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  const row = rows[0];
  return row?.seq != null && row.hash != null ? { seq: row.seq, hash: row.hash } : undefined;
}

/** Committed rows not chained yet, oldest first. */
export async function unchained(db: DbOrTx, limit: number): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(isNull(auditLog.seq)).orderBy(auditLog.id).limit(limit);
}

export async function countUnchained(db: DbOrTx): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(isNull(auditLog.seq));
  return row?.n ?? 0;
}

/** Chains a batch in one statement (the trigger allows exactly this one-time update). */
export async function setChain(
  tx: DbOrTx,
  links: readonly { id: string; seq: number; prevHash: string; hash: string }[],
): Promise<void> {
  if (links.length === 0) return;
  // Four array parameters rather than four per row: a batch of 1,000 binds 4 values, not 4,000.
  await runRaw(tx, SET_CHAIN, [
    links.map((l) => l.id),
    links.map((l) => l.seq),
    links.map((l) => l.prevHash),
    links.map((l) => l.hash),
  ]);
}

const SET_CHAIN: RawStatement = {
  name: 'audit_set_chain',
  text: `update audit_log a set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
         from unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) as v(id, seq, prev_hash, hash)
         where a.id = v.id and a.seq is null`,
};

/** Chained rows in chain order after `afterSeq`, for verification in batches. */
export async function batchAfter(db: DbOrTx, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(sql`${auditLog.seq} > ${afterSeq}`)
    .orderBy(auditLog.seq)
    .limit(limit);
}

export interface AuditFilter {
  readonly action?: string;
  readonly actorId?: string;
  readonly target?: string;
  readonly since?: Date;
  readonly until?: Date;
  /** Only rows before this id (the cursor). */
  readonly before?: string;
  readonly limit: number;
}

/** Newest first (ids are time-ordered), chained or not yet. */
export async function list(db: DbOrTx, filter: AuditFilter): Promise<AuditRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.action === undefined ? undefined : eq(auditLog.action, filter.action),
    filter.actorId === undefined ? undefined : eq(auditLog.actorId, filter.actorId),
    filter.target === undefined ? undefined : eq(auditLog.target, filter.target),
    filter.since === undefined ? undefined : gte(auditLog.occurredAt, filter.since),
    filter.until === undefined ? undefined : lte(auditLog.occurredAt, filter.until),
    filter.before === undefined ? undefined : lt(auditLog.id, filter.before),
  ];
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.id))
    .limit(filter.limit);
}
