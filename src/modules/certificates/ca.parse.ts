import { createHash, X509Certificate } from 'node:crypto';
import { children, expectTag, parseDer } from './der.ts';
import { keyIdentifier, publicKeyBits } from './x509.encoder.ts';

/** The parts of a CA certificate that issuing, CRLs and OCSP need, read once at load. */
export interface CaCertificateInfo {
  readonly der: Buffer;
  readonly pem: string;
  readonly x509: X509Certificate;
  /** The subject Name, DER: the issuer field of what this CA signs. */
  readonly subject: Buffer;
  readonly spki: Buffer;
  /** The key identifier put in the AKI of what this CA signs. */
  readonly keyId: Buffer;
  readonly notAfter: Date;
  /** OCSP CertID hashes of this CA as an issuer, by digest name (`sha1`, `sha256`, …). */
  readonly nameHash: (digest: string) => Buffer;
  readonly keyHash: (digest: string) => Buffer;
}

/** Reads a CA certificate (PEM or DER). Throws when it is not a certificate. */
export function readCaCertificate(input: string | Buffer): CaCertificateInfo {
  const x509 = new X509Certificate(input);
  const der = x509.raw;
  const tbs = children(parseDer(der))[0];
  const fields = children(expectTag(tbs, 0x30, 'a TBSCertificate'));
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = expectTag(fields[offset + 4], 0x30, 'a subject').raw;
  const spki = expectTag(fields[offset + 5], 0x30, 'a public key').raw;
  const keyId = subjectKeyIdOf(fields.slice(offset + 6)) ?? keyIdentifier(spki);
  const bits = publicKeyBits(spki);
  return {
    der,
    pem: x509.toString(),
    x509,
    subject: Buffer.from(subject),
    spki: Buffer.from(spki),
    keyId,
    notAfter: new Date(x509.validTo),
    nameHash: (digest) => createHash(digest).update(subject).digest(),
    keyHash: (digest) => createHash(digest).update(bits).digest(),
  };
}

/** The SubjectKeyIdentifier extension's value, when the certificate has one (an imported CA may not). */
function subjectKeyIdOf(rest: ReturnType<typeof children>): Buffer | undefined {
  const extensions = rest.find((node) => node.tag === 0xa3);
  if (!extensions) return undefined;
  for (const ext of children(children(extensions)[0]!)) {
    const [id, ...others] = children(ext);
    // 2.5.29.14 encodes as 06 03 55 1d 0e.
    if (id && id.raw.equals(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]))) {
      const value = others.at(-1)!;
      return Buffer.from(expectTag(parseDer(value.content), 0x04, 'a key identifier').content);
    }
  }
  return undefined;
}
