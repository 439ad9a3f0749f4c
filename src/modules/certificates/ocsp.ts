import type { Issuer } from './ca.authority.ts';
import { REASON_CODES } from './crl.ts';
import {
  bitString,
  children,
  DerError,
  enumerated,
  expectTag,
  explicit,
  generalizedTime,
  octets,
  oid,
  parseDer,
  readOid,
  seq,
  tlv,
} from './der.ts';
import { serialHex } from './serials.ts';
import { keyIdentifier } from './x509.encoder.ts';
import { sign } from 'node:crypto';

/** One CertID of a request: echoed in the response byte for byte. */
export interface OcspCertId {
  readonly raw: Buffer;
  readonly digest: string | undefined;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  readonly serial: string;
}

export interface OcspRequest {
  readonly certIds: OcspCertId[];
  /** The nonce extension as sent (the whole Extension), echoed in the response. */
  readonly nonce: Buffer | undefined;
}

const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const NONCE = '1.3.6.1.5.5.7.48.1.2';
export const MAX_CERT_IDS = 20;

/** Parses an RFC 6960 OCSPRequest; throws a DerError when it is malformed. Signatures on requests are ignored. */
export function parseOcspRequest(der: Buffer): OcspRequest {
  const [tbs] = children(expectTag(parseDer(der), 0x30, 'an OCSPRequest'));
  const fields = children(expectTag(tbs, 0x30, 'a TBSRequest'));
  let i = 0;
  if (fields[i]?.tag === 0xa0) i++; // version
  if (fields[i]?.tag === 0xa1) i++; // requestorName
  const list = children(expectTag(fields[i++], 0x30, 'a request list'));
  if (list.length === 0 || list.length > MAX_CERT_IDS)
    throw new DerError(`1..${MAX_CERT_IDS} requests expected`);
  const certIds = list.map((request) => {
    const certId = expectTag(children(expectTag(request, 0x30, 'a Request'))[0], 0x30, 'a CertID');
    const [algorithm, nameHash, keyHash, serial] = children(certId);
    const digestOid = readOid(children(expectTag(algorithm, 0x30, 'an algorithm'))[0]!);
    return {
      raw: certId.raw,
      digest: DIGESTS[digestOid],
      issuerNameHash: expectTag(nameHash, 0x04, 'issuerNameHash').content,
      issuerKeyHash: expectTag(keyHash, 0x04, 'issuerKeyHash').content,
      serial: serialHex(expectTag(serial, 0x02, 'a serial number').content),
    };
  });
  let nonce: Buffer | undefined;
  const extensions = fields[i];
  if (extensions?.tag === 0xa2) {
    for (const extension of children(expectTag(children(extensions)[0], 0x30, 'extensions'))) {
      const [id] = children(extension);
      if (id && readOid(id) === NONCE) nonce = extension.raw;
    }
  }
  return { certIds, nonce };
}

/** True when the CertID names this issuer (by the hash algorithm the client chose). */
export function certIdMatches(certId: OcspCertId, issuer: Issuer): boolean {
  if (!certId.digest) return false;
  return (
    issuer.nameHash(certId.digest).equals(certId.issuerNameHash) &&
    issuer.keyHash(certId.digest).equals(certId.issuerKeyHash)
  );
}

export type CertStatus =
  | { readonly kind: 'good' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'revoked'; readonly at: Date; readonly reason: string | null };

function encodeStatus(status: CertStatus): Buffer {
  if (status.kind === 'good') return Buffer.from([0x80, 0x00]);
  if (status.kind === 'unknown') return Buffer.from([0x82, 0x00]);
  const code = status.reason ? REASON_CODES[status.reason] : undefined;
  return tlv(
    0xa1,
    Buffer.concat([
      generalizedTime(status.at),
      ...(code === undefined ? [] : [explicit(0, enumerated(code))]),
    ]),
  );
}

/**
 * A successful OCSPResponse (DER) with a BasicOCSPResponse signed by the issuer itself (RFC 6960 §4.2.2.2: no
 * delegated responder certificate needed), the responder named by key hash, the nonce echoed.
 */
export function encodeOcspResponse(
  signer: Issuer,
  answers: readonly { certId: OcspCertId; status: CertStatus }[],
  options: { nonce: Buffer | undefined; now: Date; validitySeconds: number },
): Buffer {
  const thisUpdate = generalizedTime(options.now);
  const nextUpdate = explicit(
    0,
    generalizedTime(new Date(options.now.getTime() + options.validitySeconds * 1000)),
  );
  const responses = answers.map(({ certId, status }) =>
    seq(certId.raw, encodeStatus(status), thisUpdate, nextUpdate),
  );
  const responseData = seq(
    explicit(2, octets(keyIdentifier(signer.spki))),
    generalizedTime(options.now),
    seq(...responses),
    ...(options.nonce ? [explicit(1, seq(options.nonce))] : []),
  );
  const signature = sign(signer.algorithm.hash, responseData, signer.key);
  const basic = seq(responseData, signer.algorithm.identifier, bitString(signature));
  return seq(enumerated(0), explicit(0, seq(oid('1.3.6.1.5.5.7.48.1.1'), octets(basic))));
}

/** OCSPResponse with an error status only: 1 malformedRequest, 2 internalError, 6 unauthorized. */
export const ocspError = (status: 1 | 2 | 6): Buffer => seq(enumerated(status));
