import { and, desc, eq, gt, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import { preparedPerDb, runRaw, type Db, type DbOrTx, type RawStatement } from '../../core/db/database.ts';
import type { WritePart } from '../../core/db/writes.ts';
import { certificateAuthorities, certificates } from '../../db/schema/index.ts';

export type CertificateRow = typeof certificates.$inferSelect;
export type NewCertificateRow = typeof certificates.$inferInsert;
export type ShownStatus = 'active' | 'on_hold' | 'revoked' | 'expired';

const INSERT: RawStatement = {
  name: 'certificates_insert',
  text: `insert into certificates (id, owner_id, issuer_id, serial, common_name, subject, sans, key_algorithm,
           profile, not_before, not_after, fingerprint_sha256, certificate_pem, labels, renewed_from)
         values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::text::jsonb, $7::text[], $8::text,
           $9::text, $10::timestamptz, $11::timestamptz, $12::text, $13::text, $14::text::jsonb, $15::uuid)`,
};

/** A new row (status `active`); hand-written SQL: issuance is the hot path, and Drizzle's builder cost more. */
export async function insert(db: DbOrTx, row: NewCertificateRow): Promise<void> {
  await runRaw(db, INSERT, insertValues(row));
}

/** The same insert as a part of one statement with the event's writes (core/db/writes.ts). */
export const insertPart = (row: NewCertificateRow): WritePart => ({
  key: 'certificates_insert',
  ctes: [['row', INSERT.text]],
  values: insertValues(row),
});

function insertValues(row: NewCertificateRow): unknown[] {
  return [
    row.id,
    row.ownerId,
    row.issuerId,
    row.serial,
    row.commonName,
    JSON.stringify(row.subject),
    row.sans,
    row.keyAlgorithm,
    row.profile,
    row.notBefore.toISOString(),
    row.notAfter.toISOString(),
    row.fingerprintSha256,
    row.certificatePem,
    JSON.stringify(row.labels ?? {}),
    row.renewedFrom ?? null,
  ];
}

// Built and prepared once per database: every `GET /v1/certificates/{id}` runs it.
const byIdStatement = preparedPerDb((db: Db) =>
  db
    .select()
    .from(certificates)
    .where(eq(certificates.id, sql.placeholder('id')))
    .prepare('certificates_by_id'),
);

export async function findById(db: Db, id: string): Promise<CertificateRow | undefined> {
  const [row] = await byIdStatement(db).execute({ id });
  return row;
}

/** The row locked for the rest of the transaction (a PATCH reads, checks the transition, writes). */
export async function findForUpdate(db: DbOrTx, id: string): Promise<CertificateRow | undefined> {
  const [row] = await db.select().from(certificates).where(eq(certificates.id, id)).for('update');
  return row;
}

export async function update(
  db: DbOrTx,
  id: string,
  patch: Partial<NewCertificateRow>,
): Promise<CertificateRow> {
  const [row] = await db
    .update(certificates)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(certificates.id, id))
    .returning();
  return row!;
}

/** Marks the issuer's revocation list stale; in the transaction of the status change. */
export async function bumpRevision(db: DbOrTx, issuerId: string): Promise<void> {
  await db
    .update(certificateAuthorities)
    .set({ revision: sql`${certificateAuthorities.revision} + 1` })
    .where(eq(certificateAuthorities.id, issuerId));
}

export interface ListFilter {
  readonly ownerId?: string | undefined;
  readonly status?: ShownStatus | undefined;
  readonly expiringBefore?: Date | undefined;
  readonly commonName?: string | undefined;
  readonly san?: string | undefined;
  /** Cursor: ids below this one (newest first). */
  readonly before?: string | undefined;
  readonly limit: number;
  readonly now: Date;
}

/** The SQL of a shown status: `expired` once `not_after` has passed, whatever is stored. */
function statusCondition(status: ShownStatus, now: Date): SQL {
  if (status === 'expired') return lte(certificates.notAfter, now);
  return and(eq(certificates.status, status), gt(certificates.notAfter, now))!;
}

export async function list(db: DbOrTx, filter: ListFilter): Promise<CertificateRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.ownerId ? eq(certificates.ownerId, filter.ownerId) : undefined,
    filter.status ? statusCondition(filter.status, filter.now) : undefined,
    filter.expiringBefore ? lt(certificates.notAfter, filter.expiringBefore) : undefined,
    filter.commonName ? sql`lower(${certificates.commonName}) = lower(${filter.commonName})` : undefined,
    filter.san ? sql`${certificates.sans} @> array[${filter.san}]::text[]` : undefined,
    filter.before ? lt(certificates.id, filter.before) : undefined,
  ];
  return db
    .select()
    .from(certificates)
    .where(and(...conditions))
    .orderBy(desc(certificates.id))
    .limit(filter.limit);
}

export async function findBySerial(db: DbOrTx, serial: string): Promise<CertificateRow | undefined> {
  const [row] = await db.select().from(certificates).where(eq(certificates.serial, serial));
  return row;
}

/** An account's certificates that are not yet revoked, locked: its deletion revokes them. */
export async function unrevokedOf(db: DbOrTx, ownerId: string): Promise<CertificateRow[]> {
  return db
    .select()
    .from(certificates)
    .where(
      and(eq(certificates.ownerId, ownerId), inArray(certificates.status, ['active', 'on_hold', 'expired'])),
    )
    .for('update');
}

/** Every certificate of an account (its data export), oldest first. */
export async function allOf(db: DbOrTx, ownerId: string): Promise<CertificateRow[]> {
  return db.select().from(certificates).where(eq(certificates.ownerId, ownerId)).orderBy(certificates.id);
}
