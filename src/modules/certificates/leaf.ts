import type { Issuer } from './ca.authority.ts';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointExtension,
  encodeCertificate,
  encodeName,
  extendedKeyUsageExtension,
  KEY_USAGE,
  keyIdentifier,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  type Profile,
  type SubjectFields,
} from './x509.encoder.ts';

export interface LeafRequest {
  readonly serial: Buffer;
  readonly subject: SubjectFields;
  readonly sans: readonly string[];
  readonly spki: Buffer;
  /** RSA keys also get keyEncipherment (TLS key transport); EC and Ed25519 only sign. */
  readonly rsa: boolean;
  readonly profile: Profile;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * Signs leaf certificates for one issuer. What is the same for every leaf of the issuer (AKI, CRL
 * distribution point, AIA, basic constraints, key usages) is encoded once, here.
 * @example new LeafSigner(issuer, 'https://ca.example.com').sign(request) // DER
 */
export class LeafSigner {
  private readonly fixedHead: Buffer[];
  private readonly fixedTail: Buffer[];
  private readonly usage = {
    rsa: keyUsageExtension(KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment),
    other: keyUsageExtension(KEY_USAGE.digitalSignature),
  };
  private readonly eku = {
    'tls-server': extendedKeyUsageExtension('tls-server'),
    'tls-client': extendedKeyUsageExtension('tls-client'),
    email: extendedKeyUsageExtension('email'),
  };
  private readonly issuer: Issuer;

  constructor(issuer: Issuer, publicUrl: string) {
    this.issuer = issuer;
    this.fixedHead = [basicConstraintsExtension(false)];
    this.fixedTail = [
      authorityKeyIdentifierExtension(issuer.keyId),
      crlDistributionPointExtension(`${publicUrl}/v1/ca/crl`),
      authorityInfoAccessExtension(`${publicUrl}/v1/ca/ocsp`, `${publicUrl}/v1/ca/issuer.cer`),
    ];
  }

  sign(request: LeafRequest): Buffer {
    const extensions = [
      ...this.fixedHead,
      request.rsa ? this.usage.rsa : this.usage.other,
      this.eku[request.profile],
      subjectKeyIdentifierExtension(keyIdentifier(request.spki)),
      ...this.fixedTail,
    ];
    if (request.sans.length > 0) extensions.push(subjectAltNameExtension(request.sans));
    return encodeCertificate(
      {
        serial: request.serial,
        issuer: this.issuer.subject,
        subject: encodeName(request.subject),
        notBefore: request.notBefore,
        notAfter: request.notAfter,
        spki: request.spki,
        extensions,
      },
      this.issuer.key,
      this.issuer.algorithm,
    );
  }
}
