import { bigint, boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The CA certificates: a root and the issuing intermediate (the active one signs). A private key is sealed
 * with AES-256-GCM under its own data key; the data key is wrapped under MASTER_KEY (`master_key_id` names
 * which one, so `bulwark keys rotate-master` can rewrap without downtime). An imported root may have no key.
 */
export const certificateAuthorities = pgTable('certificate_authorities', {
  id: uuid('id').primaryKey(),
  kind: text('kind').$type<'root' | 'intermediate'>().notNull(),
  parentId: uuid('parent_id'),
  certificatePem: text('certificate_pem').notNull(),
  privateKeySealed: text('private_key_sealed'),
  dataKeyWrapped: text('data_key_wrapped'),
  masterKeyId: text('master_key_id'),
  active: boolean('active').notNull().default(true),
  /** Bumped in the transaction of every hold, release or revocation: the CRL is stale when it moved. */
  revision: bigint('revision', { mode: 'number' }).notNull().default(0),
  crlNumber: bigint('crl_number', { mode: 'number' }).notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
