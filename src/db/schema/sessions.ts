import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

/**
 * A sign-in: a refresh-token family (`kind = 'token'`, from /v1/auth/token) or a cookie session
 * (`kind = 'cookie'`, from /v1/auth/login). Access tokens carry the session id (`sid`), so revoking the
 * session refuses them too.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['token', 'cookie'] }).notNull(),
    /** SHA-256 of the cookie value, for cookie sessions. */
    tokenHash: text('token_hash').unique(),
    scope: text('scope').notNull().default(''),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /**
     * When the password was last checked for this session (its password sign-in); null for a sign-in
     * without it (OpenID Connect). Refreshes keep it: it dates the proof, not the use. Sensitive changes
     * need it within REAUTH_WINDOW.
     */
    authenticatedAt: timestamp('authenticated_at', { withTimezone: true, precision: 3 }),
    /** Absolute end of the session, whatever its use. */
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_account_idx').on(t.accountId)],
);

/** Refresh tokens: opaque, stored hashed, single use; each use rotates to a child in the same family. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);
