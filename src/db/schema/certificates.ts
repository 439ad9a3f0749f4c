import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { certificateAuthorities } from './certificate-authorities.ts';

export const CERTIFICATE_STATUSES = ['active', 'on_hold', 'revoked', 'expired'] as const;
export type StoredCertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/**
 * Issued certificates. Never a private key: a generated key is returned once and forgotten. `serial` is the
 * lowercase hex of the (positive) serial number, unique so that a serial is never reused.
 */
export const certificates = pgTable(
  'certificates',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => accounts.id),
    issuerId: uuid('issuer_id')
      .notNull()
      .references(() => certificateAuthorities.id),
    serial: text('serial').notNull(),
    commonName: text('common_name').notNull(),
    subject: jsonb('subject').$type<Record<string, string>>().notNull(),
    sans: text('sans').array().notNull(),
    keyAlgorithm: text('key_algorithm').notNull(),
    profile: text('profile').notNull(),
    status: text('status').$type<StoredCertificateStatus>().notNull().default('active'),
    revocationReason: text('revocation_reason'),
    /** When it was revoked or put on hold (the CRL's and OCSP's revocation time). */
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    notBefore: timestamp('not_before', { withTimezone: true, precision: 3 }).notNull(),
    notAfter: timestamp('not_after', { withTimezone: true, precision: 3 }).notNull(),
    fingerprintSha256: text('fingerprint_sha256').notNull(),
    certificatePem: text('certificate_pem').notNull(),
    labels: jsonb('labels').$type<Record<string, string>>().notNull().default({}),
    renewedFrom: uuid('renewed_from'),
    renewedBy: uuid('renewed_by'),
    /** The smallest expiry threshold (30, 7, 1 days) already announced, so each is sent once. */
    expiryNotified: smallint('expiry_notified'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('certificates_serial_idx').on(t.serial),
    index('certificates_owner_idx').on(t.ownerId, t.id),
    index('certificates_not_after_idx').on(t.notAfter),
    index('certificates_sans_idx').using('gin', t.sans),
    index('certificates_common_name_idx').on(sql`lower(${t.commonName})`),
    // The CRL reads only what is revoked or on hold.
    index('certificates_crl_idx')
      .on(t.issuerId)
      .where(sql`${t.status} in ('revoked', 'on_hold')`),
  ],
);
