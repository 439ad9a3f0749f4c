import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { newId } from '../../core/ids.ts';
import { auditLog } from '../../db/schema/audit.ts';
import { chainHash, GENESIS_HASH } from './audit.chain.ts';

export type AuditRow = typeof auditLog.$inferSelect;

// Any constant works; every instance must use the same one so that appends take turns.
const AUDIT_LOCK_ID = 727_274_010;

export interface AuditEntry {
  readonly action: string;
  readonly target: string;
  readonly actorId: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
  readonly details: Record<string, unknown>;
}

/**
 * Appends one row to the chain inside the caller's transaction, so it commits or rolls back with the change
 * it records. A transaction-scoped advisory lock serializes appends until commit, so the head read here is
 * the committed head (READ COMMITTED takes a new snapshot after the lock). Under a REPEATABLE READ
 * transaction a concurrent append would reuse `seq` and fail on the primary key: an error, never a fork.
 */
export async function append(tx: DbOrTx, entry: AuditEntry): Promise<AuditRow> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_ID})`);
  const [head] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  const content = {
    seq: (head?.seq ?? 0) + 1,
    id: newId(),
    occurredAt: new Date(),
    action: entry.action,
    actorId: entry.actorId,
    requestId: entry.requestId,
    ip: entry.ip,
    target: entry.target,
    // As jsonb will give it back: no undefined members, no non-JSON values.
    details: JSON.parse(JSON.stringify(entry.details)) as Record<string, unknown>,
  };
  const prevHash = head?.hash ?? GENESIS_HASH;
  const row = { ...content, prevHash, hash: chainHash(prevHash, content) };
  await tx.insert(auditLog).values(row);
  return row;
}

/** Rows in chain order from `afterSeq` (exclusive), for verification in batches. */
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
  /** Only rows before this position (the cursor). */
  readonly beforeSeq?: number;
  readonly limit: number;
}

/** Newest first. */
export async function list(db: DbOrTx, filter: AuditFilter): Promise<AuditRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.action === undefined ? undefined : eq(auditLog.action, filter.action),
    filter.actorId === undefined ? undefined : eq(auditLog.actorId, filter.actorId),
    filter.target === undefined ? undefined : eq(auditLog.target, filter.target),
    filter.since === undefined ? undefined : gte(auditLog.occurredAt, filter.since),
    filter.until === undefined ? undefined : lte(auditLog.occurredAt, filter.until),
    filter.beforeSeq === undefined ? undefined : lt(auditLog.seq, filter.beforeSeq),
  ];
  return db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.seq))
    .limit(filter.limit);
}
