import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The mail outbox. Every message is written here in the transaction that causes it, then sent by a job;
 * with no SMTP configured it stays here (`status = 'outbox'`) for `bulwark mail outbox`.
 */
export const mailMessages = pgTable(
  'mail_messages',
  {
    id: uuid('id').primaryKey(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    template: text('template').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'failed', 'outbox'] })
      .notNull()
      .default('queued'),
    messageId: text('message_id'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('mail_messages_status_idx').on(t.status, t.createdAt)],
);
