import type { CertificateEventData } from '../../core/events.ts';
import type { CertificateRow, ShownStatus } from './certificates.repository.ts';

/** The status a client sees: `expired` once `not_after` has passed, whatever is stored. */
export function statusOf(row: Pick<CertificateRow, 'status' | 'notAfter'>, now = new Date()): ShownStatus {
  return row.notAfter.getTime() <= now.getTime() ? 'expired' : row.status;
}

/** The JSON of a certificate (never a private key: none is stored). */
export function toCertificateView(row: CertificateRow, chainPem: string) {
  const status = statusOf(row);
  return {
    id: row.id,
    owner_id: row.ownerId,
    serial_number: row.serial,
    status,
    is_active: status === 'active',
    subject: row.subject,
    sans: row.sans,
    key_algorithm: row.keyAlgorithm,
    profile: row.profile,
    not_before: row.notBefore.toISOString(),
    not_after: row.notAfter.toISOString(),
    fingerprint_sha256: row.fingerprintSha256,
    certificate_pem: row.certificatePem,
    chain_pem: chainPem,
    labels: row.labels,
    revocation_reason: row.revocationReason,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    renewed_from: row.renewedFrom,
    renewed_by: row.renewedBy,
    created_at: row.createdAt.toISOString(),
  };
}

/** What events (webhooks, the audit chain) carry about a certificate. */
export function toEventData(row: CertificateRow): CertificateEventData {
  return {
    id: row.id,
    ownerId: row.ownerId,
    serial: row.serial,
    commonName: row.commonName,
    sans: row.sans,
    profile: row.profile,
    status: statusOf(row),
    notBefore: row.notBefore.toISOString(),
    notAfter: row.notAfter.toISOString(),
    renewedFrom: row.renewedFrom,
    revocationReason: row.revocationReason,
  };
}

/** The export section: what the account holds, without the PEM chain (the CA's, not the account's). */
export function toExportView(row: CertificateRow) {
  const { chain_pem: _chain, ...rest } = toCertificateView(row, '');
  return rest;
}
