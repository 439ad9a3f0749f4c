import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The audit chain: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE — custom migration), one row
 * per security-relevant change, `hash` = SHA-256 over the previous row's hash and this row's canonical
 * content (src/modules/audit/audit.chain.ts). `seq` is the position in the chain: 1, 2, 3, … without gaps.
 * Deliberately no foreign key to accounts: the log outlives what it names.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull().unique(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    action: text('action').notNull(),
    actorId: uuid('actor_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    target: text('target').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_action_idx').on(t.action, t.seq),
    index('audit_log_actor_idx').on(t.actorId, t.seq),
    index('audit_log_target_idx').on(t.target, t.seq),
    index('audit_log_occurred_idx').on(t.occurredAt),
  ],
);
