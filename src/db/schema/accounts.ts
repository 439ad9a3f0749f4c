import { sql } from 'drizzle-orm';
import { boolean, date, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Accounts (users). A deleted account stays as a tombstone with its personal data erased (`email` null,
 * profile fields null, `deleted_at` set), so that what referenced it (revoked certificates) keeps its owner.
 */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey(),
    email: text('email'),
    name: text('name'),
    firstName: text('first_name'),
    middleName: text('middle_name'),
    lastName: text('last_name'),
    phoneNumber: text('phone_number'),
    /** `phone_number` in E.164, what searches compare (src/modules/accounts/phone.ts has the rule). */
    phoneE164: text('phone_e164').generatedAlwaysAs(
      sql.raw(`case
        when phone_number ~ '^[+][1-9][0-9]{7,14}$' then phone_number
        when phone_number ~ '^[0-9]{3}-[0-9]{3}-[0-9]{4}$' then '+1' || replace(phone_number, '-', '')
      end`),
    ),
    dateOfBirth: date('date_of_birth', { mode: 'string' }),
    isActive: boolean('is_active').notNull().default(true),
    roles: text('roles')
      .array()
      .$type<Role[]>()
      .notNull()
      .default(sql`'{user}'::text[]`),
    emailVerified: boolean('email_verified').notNull().default(false),
    /** argon2id, or a hash imported from the Python systems until the next successful sign-in. */
    passwordHash: text('password_hash'),
    /** Access tokens issued before this instant are refused (role change, deactivation, deletion). */
    tokensValidAfter: timestamp('tokens_valid_after', { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    uniqueIndex('accounts_email_lower_idx')
      .on(sql`lower(${t.email})`)
      .where(sql`${t.email} is not null`),
    index('accounts_created_at_idx').on(t.createdAt),
    index('accounts_phone_e164_idx').on(t.phoneE164),
  ],
);
