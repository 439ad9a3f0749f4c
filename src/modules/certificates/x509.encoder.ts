import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';
import {
  bitString,
  children,
  explicit,
  integer,
  NULL,
  octets,
  oid,
  parseDer,
  printable,
  seq,
  set,
  tlv,
  TRUE,
  unsignedInteger,
  utf8,
  x509Time,
} from './der.ts';

/** The subject fields Bulwark puts in a name, in the order they appear (most significant first). */
export interface SubjectFields {
  readonly country?: string | undefined;
  readonly state?: string | undefined;
  readonly locality?: string | undefined;
  readonly organization?: string | undefined;
  readonly organizational_unit?: string | undefined;
  readonly common_name: string;
}

const NAME_ATTRIBUTES: readonly [keyof SubjectFields, string][] = [
  ['country', '2.5.4.6'],
  ['state', '2.5.4.8'],
  ['locality', '2.5.4.7'],
  ['organization', '2.5.4.10'],
  ['organizational_unit', '2.5.4.11'],
  ['common_name', '2.5.4.3'],
];

/** A distinguished name: one attribute per RDN, countryName as PrintableString, the rest UTF8String. */
export function encodeName(subject: SubjectFields): Buffer {
  const rdns: Buffer[] = [];
  for (const [field, type] of NAME_ATTRIBUTES) {
    const value = subject[field];
    if (value === undefined || value === '') continue;
    rdns.push(set(seq(oid(type), field === 'country' ? printable(value) : utf8(value))));
  }
  return seq(...rdns);
}

/** The signature algorithm a CA key signs with: its AlgorithmIdentifier and the digest for `crypto.sign`. */
export interface SignatureAlgorithm {
  readonly identifier: Buffer;
  readonly hash: string | null;
}

const EC_HASH: Record<string, [string, string]> = {
  prime256v1: ['sha256', '1.2.840.10045.4.3.2'],
  secp384r1: ['sha384', '1.2.840.10045.4.3.3'],
  secp521r1: ['sha512', '1.2.840.10045.4.3.4'],
};

export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const [hash, id] = EC_HASH[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? [];
    if (!hash || !id) throw new Error('Unsupported CA curve');
    return { identifier: seq(oid(id)), hash };
  }
  if (type === 'rsa') return { identifier: seq(oid('1.2.840.113549.1.1.11'), NULL), hash: 'sha256' };
  if (type === 'ed25519') return { identifier: seq(oid('1.3.101.112')), hash: null };
  throw new Error(`Unsupported CA key type ${type}`);
}

/** Signs `data` and wraps it as `SEQUENCE { data, algorithm, BIT STRING signature }` (certificates, CRLs). */
export function signed(data: Buffer, key: KeyObject, algorithm: SignatureAlgorithm): Buffer {
  return seq(data, algorithm.identifier, bitString(sign(algorithm.hash, data, key)));
}

/** The subjectPublicKey bits of an SPKI: what the key identifier and OCSP's issuerKeyHash hash. */
export function publicKeyBits(spki: Buffer): Buffer {
  const bits = children(parseDer(spki))[1];
  if (!bits || bits.tag !== 0x03) throw new Error('Not a SubjectPublicKeyInfo');
  return bits.content.subarray(1);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export const keyIdentifier = (spki: Buffer): Buffer =>
  createHash('sha1').update(publicKeyBits(spki)).digest();

function extension(id: string, value: Buffer, critical = false): Buffer {
  return critical ? seq(oid(id), TRUE, octets(value)) : seq(oid(id), octets(value));
}

export const KEY_USAGE = {
  digitalSignature: 0x80,
  keyEncipherment: 0x20,
  keyCertSign: 0x04,
  cRLSign: 0x02,
} as const;

/** keyUsage as a DER named BIT STRING: trailing zero bits dropped, their count in the first byte. */
export function keyUsageExtension(bits: number): Buffer {
  let unused = 0;
  while (unused < 7 && !(bits & (1 << unused))) unused++;
  return extension('2.5.29.15', tlv(0x03, Buffer.from([unused, bits])), true);
}

export const basicConstraintsExtension = (ca: boolean, pathLength?: number): Buffer =>
  extension(
    '2.5.29.19',
    ca ? seq(TRUE, ...(pathLength === undefined ? [] : [integer(pathLength)])) : seq(),
    true,
  );

export const EKU = {
  'tls-server': '1.3.6.1.5.5.7.3.1',
  'tls-client': '1.3.6.1.5.5.7.3.2',
  email: '1.3.6.1.5.5.7.3.4',
} as const;
export type Profile = keyof typeof EKU;

export const extendedKeyUsageExtension = (profile: Profile): Buffer =>
  extension('2.5.29.37', seq(oid(EKU[profile])));

export const subjectKeyIdentifierExtension = (ski: Buffer): Buffer => extension('2.5.29.14', octets(ski));
export const authorityKeyIdentifierExtension = (ski: Buffer): Buffer =>
  extension('2.5.29.35', seq(tlv(0x80, ski)));

/** One SAN entry as a GeneralName: an email, an IP address (4 or 16 bytes), or a DNS name. */
export function generalName(san: string): Buffer {
  if (san.includes('@')) return tlv(0x81, Buffer.from(san, 'ascii'));
  if (isIPv4(san)) return tlv(0x87, Buffer.from(san.split('.').map(Number)));
  if (san.includes(':')) return tlv(0x87, ipv6Bytes(san));
  return tlv(0x82, Buffer.from(san, 'ascii'));
}

/** 16 bytes of an IPv6 address (already validated by `net.isIPv6`), including `::` and a dotted IPv4 tail. */
export function ipv6Bytes(address: string): Buffer {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text =
      text.slice(0, -v4[1]!.length) +
      `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

export const subjectAltNameExtension = (sans: readonly string[]): Buffer =>
  extension('2.5.29.17', seq(...sans.map(generalName)));

export const crlDistributionPointExtension = (url: string): Buffer =>
  extension('2.5.29.31', seq(seq(explicit(0, explicit(0, tlv(0x86, Buffer.from(url)))))));

export const authorityInfoAccessExtension = (ocspUrl: string, caIssuersUrl: string): Buffer =>
  extension(
    '1.3.6.1.5.5.7.1.1',
    seq(
      seq(oid('1.3.6.1.5.5.7.48.1'), tlv(0x86, Buffer.from(ocspUrl))),
      seq(oid('1.3.6.1.5.5.7.48.2'), tlv(0x86, Buffer.from(caIssuersUrl))),
    ),
  );

export interface CertificateInput {
  /** Magnitude of the serial number (unsigned, big-endian). */
  readonly serial: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Buffer;
  readonly extensions: readonly Buffer[];
}

const VERSION_3 = explicit(0, integer(2));

/** The DER TBSCertificate (v3) for the signature algorithm given. */
export function encodeTbsCertificate(input: CertificateInput, algorithm: SignatureAlgorithm): Buffer {
  return seq(
    VERSION_3,
    unsignedInteger(input.serial),
    algorithm.identifier,
    input.issuer,
    seq(x509Time(input.notBefore), x509Time(input.notAfter)),
    input.subject,
    input.spki,
    explicit(3, seq(...input.extensions)),
  );
}

/**
 * A signed certificate (DER): the TBSCertificate encoded here and signed with `node:crypto`.
 * @example const der = encodeCertificate(input, caKey, signatureAlgorithmFor(caKey))
 */
export function encodeCertificate(
  input: CertificateInput,
  key: KeyObject,
  algorithm: SignatureAlgorithm,
): Buffer {
  return signed(encodeTbsCertificate(input, algorithm), key, algorithm);
}

/** SPKI DER of a PEM/DER public key, certificate or private key. */
export const spkiOf = (key: KeyObject): Buffer =>
  (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
