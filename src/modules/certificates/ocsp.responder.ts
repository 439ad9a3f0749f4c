import type { Database } from '../../core/db/database.ts';
import type { CertificateAuthority, Issuer } from './ca.authority.ts';
import { DerError } from './der.ts';
import { certIdMatches, encodeOcspResponse, ocspError, parseOcspRequest, type CertStatus } from './ocsp.ts';

interface StatusRow {
  serial: string;
  issuer_id: string;
  status: string;
  revoked_at: Date | string | null;
  revocation_reason: string | null;
}

/**
 * Answers OCSP requests from the database: good, revoked (with its reason; a hold is `certificateHold`) or
 * unknown (a serial never issued, or an issuer that is not ours). Responses are signed by the intermediate
 * that issued the certificate, so no delegated responder certificate is needed.
 */
export class OcspResponder {
  private readonly database: Database;
  private readonly authority: () => CertificateAuthority;
  private readonly validitySeconds: number;

  constructor(database: Database, authority: () => CertificateAuthority, validitySeconds = 3600) {
    this.database = database;
    this.authority = authority;
    this.validitySeconds = validitySeconds;
  }

  /** The HTTP status and body for a DER request; a malformed one gets `malformedRequest` and a 400. */
  async respond(der: Buffer): Promise<{ status: number; body: Buffer }> {
    let request;
    try {
      request = parseOcspRequest(der);
    } catch (error) {
      if (error instanceof DerError || error instanceof RangeError)
        return { status: 400, body: ocspError(1) };
      throw error;
    }
    const { issuer: active, issuers } = this.authority();
    const matched = request.certIds.map((certId) => ({
      certId,
      issuer: [...issuers.values()].find((issuer) => certIdMatches(certId, issuer)),
    }));
    const serials = matched.filter((m) => m.issuer).map((m) => m.certId.serial);
    const rows = serials.length
      ? await this.database.query<StatusRow>(
          'select serial, issuer_id, status, revoked_at, revocation_reason from certificates where serial = any($1::text[])',
          [serials],
        )
      : [];
    const bySerial = new Map(rows.map((row) => [row.serial, row]));
    const answers = matched.map(({ certId, issuer }) => ({
      certId,
      status: statusFor(issuer, bySerial.get(certId.serial)),
    }));
    const signer: Issuer = matched.find((m) => m.issuer)?.issuer ?? active;
    const body = encodeOcspResponse(signer, answers, {
      nonce: request.nonce,
      now: new Date(),
      validitySeconds: this.validitySeconds,
    });
    return { status: 200, body };
  }
}

function statusFor(issuer: Issuer | undefined, row: StatusRow | undefined): CertStatus {
  if (!issuer || !row || row.issuer_id !== issuer.id) return { kind: 'unknown' };
  if (row.status === 'revoked' || row.status === 'on_hold')
    return { kind: 'revoked', at: new Date(row.revoked_at ?? 0), reason: row.revocation_reason };
  return { kind: 'good' };
}
