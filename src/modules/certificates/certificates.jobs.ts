import { sql } from 'drizzle-orm';
import type { AppContext } from '../../core/context.ts';
import { executeRows, type Db } from '../../core/db/database.ts';
import { enqueue } from '../../core/jobs/queue.ts';
import { certificates } from '../../db/schema/index.ts';
import { SYSTEM_ACTOR } from './ca.init.ts';
import type { CertificateRow } from './certificates.repository.ts';
import { toEventData } from './certificates.view.ts';

export const EXPIRY_QUEUE = 'certificates.expiry';
/** Days before `not_after` at which `certificate.expiring` is sent, tightest first. */
export const EXPIRY_THRESHOLDS = [1, 7, 30] as const;
const BATCH = 500;

/** The next daily run (00:05 UTC tomorrow), keyed by date so each day is queued once by any instance. */
export async function scheduleExpirySweep(db: Db, now = new Date()): Promise<void> {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 0, 5));
  await enqueue(
    db,
    EXPIRY_QUEUE,
    {},
    { runAt: next, singletonKey: `expiry:${next.toISOString().slice(0, 10)}`, maxAttempts: 10 },
  );
}

/**
 * The daily sweep: marks certificates past `not_after` as expired (a hold past expiry leaves the CRL), and
 * sends `certificate.expiring` once per threshold — a certificate first seen 5 days before expiry gets the
 * 7-day notice only. Batches of 500 rows, each in its own transaction with its events, rows locked with
 * SKIP LOCKED so two instances never announce the same certificate twice.
 */
export async function sweepExpiry(
  ctx: AppContext,
  now = new Date(),
): Promise<{ expired: number; notified: number }> {
  const db = ctx.database.db;
  const expired = await executeRows<{ issuer_id: string }>(
    db,
    sql`update certificates set status = 'expired', updated_at = ${now.toISOString()}::timestamptz
        where status in ('active', 'on_hold') and not_after <= ${now.toISOString()}::timestamptz
        returning issuer_id`,
  );
  for (const issuerId of new Set(expired.map((r) => r.issuer_id)))
    await db.execute(sql`update certificate_authorities set revision = revision + 1 where id = ${issuerId}`);
  let notified = 0;
  for (const days of EXPIRY_THRESHOLDS) {
    const horizon = new Date(now.getTime() + days * 86_400_000).toISOString();
    for (;;) {
      const count = await db.transaction(async (tx) => {
        const rows = await tx
          .select()
          .from(certificates)
          .where(
            sql`${certificates.status} = 'active' and ${certificates.notAfter} > ${now.toISOString()}::timestamptz
                and ${certificates.notAfter} <= ${horizon}::timestamptz
                and (${certificates.expiryNotified} is null or ${certificates.expiryNotified} > ${days})`,
          )
          .limit(BATCH)
          .for('update', { skipLocked: true });
        for (const row of rows as CertificateRow[]) {
          await tx
            .update(certificates)
            .set({ expiryNotified: days })
            .where(sql`${certificates.id} = ${row.id}`);
          await ctx.events.emit(tx, 'certificate.expiring', {
            certificate: toEventData(row),
            daysLeft: days,
            actor: SYSTEM_ACTOR,
          });
        }
        return rows.length;
      });
      notified += count;
      if (count < BATCH) break;
    }
  }
  return { expired: expired.length, notified };
}

/** Registers the sweep's handler: sweep, then queue tomorrow's run. */
export function registerExpiryJob(ctx: AppContext): void {
  ctx.worker.register(EXPIRY_QUEUE, async () => {
    const result = await sweepExpiry(ctx);
    await scheduleExpirySweep(ctx.database.db);
    return result;
  });
}
