import { boolean, index, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

/** External identities (OpenID Connect / OAuth 2.0) linked to accounts; `(provider, subject)` is unique. */
export const linkedIdentities = pgTable(
  'linked_identities',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    email: text('email'),
    emailVerified: boolean('email_verified').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    unique('linked_identities_provider_subject').on(t.provider, t.subject),
    index('linked_identities_account_idx').on(t.accountId),
  ],
);

/** Pending authorization requests: `state`, nonce and PKCE verifier stay server side, keyed by state hash. */
export const oauthStates = pgTable('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  provider: text('provider').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  nonce: text('nonce').notNull(),
  /** Set when a signed-in account asked to link; null for a sign-in. */
  accountId: uuid('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
  redirectTo: text('redirect_to'),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
});
