import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The audit chain: one row per security-relevant change, inserted in the transaction of the change, then
 * chained within about a second by the chainer (src/modules/audit/audit.chainer.ts), which gives it `seq`
 * (its position: 1, 2, 3, … without gaps), `prev_hash` and `hash` = SHA-256 over the previous row's hash and
 * this row's canonical content. Append-only: a trigger (custom migration) refuses DELETE, TRUNCATE and every
 * UPDATE but that one-time chaining. No foreign key to accounts: the log outlives what it names.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).unique(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    action: text('action').notNull(),
    actorId: uuid('actor_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    target: text('target').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_log_unchained_idx')
      .on(t.id)
      .where(sql`${t.seq} is null`),
    index('audit_log_action_idx').on(t.action, t.id),
    index('audit_log_actor_idx').on(t.actorId, t.id),
    index('audit_log_target_idx').on(t.target, t.id),
    index('audit_log_occurred_idx').on(t.occurredAt),
  ],
);
