import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

/**
 * Single-use tokens sent by mail (email verification, password reset, email change), stored as SHA-256
 * only.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['verify_email', 'password_reset', 'email_change'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /**
     * The address the token was sent to: verification and reset apply only while the account still has
     * it; an email change's token carries the new address, which the account gets when it is spent.
     */
    email: text('email').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('account_tokens_account_idx').on(t.accountId, t.purpose)],
);
