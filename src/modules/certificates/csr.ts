import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { validationFailed } from '../../core/errors/app-error.ts';
import { children, expectTag, fromPem, parseDer, readOid, type Node } from './der.ts';
import type { SubjectFields } from './x509.encoder.ts';

/** What Bulwark takes from a CSR: the key, the subject attributes it knows, and the requested SANs. */
export interface ParsedCsr {
  readonly publicKey: KeyObject;
  readonly spki: Buffer;
  readonly keyAlgorithm: string;
  readonly subject: Partial<SubjectFields>;
  readonly sans: string[];
}

const refuse = (message: string) => validationFailed([{ path: '/body/csr_pem', message }], message);

/**
 * Describes an acceptable public key (`ec-p256`, `rsa-3072`, …) or refuses it: RSA of 2048 to 8192 bits, EC on
 * P-256 or P-384, Ed25519. Anything else (small RSA, other curves, DSA, RSA-PSS-only keys) is undefined.
 */
export function describeKey(key: KeyObject): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= 2048 && bits <= 8192 ? `rsa-${bits}` : undefined;
  }
  if (type === 'ec')
    return ({ prime256v1: 'ec-p256', secp384r1: 'ec-p384' } as Record<string, string>)[
      details.namedCurve ?? ''
    ];
  // Every other type (DSA, RSA-PSS-only, X25519, Ed448, post-quantum, …) is refused.
  return type === 'ed25519' ? 'ed25519' : undefined;
}

// Signature algorithms a CSR may use, with the digest `crypto.verify` needs (null: Ed25519 has none).
const SIGNATURES: Record<string, string | null> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

const FIELDS: Record<string, keyof SubjectFields> = {
  '2.5.4.3': 'common_name',
  '2.5.4.10': 'organization',
  '2.5.4.11': 'organizational_unit',
  '2.5.4.6': 'country',
  '2.5.4.8': 'state',
  '2.5.4.7': 'locality',
};

function directoryString(node: Node): string {
  switch (node.tag) {
    case 0x0c:
      return node.content.toString('utf8');
    case 0x13:
    case 0x16:
      return node.content.toString('ascii');
    case 0x14:
      return node.content.toString('latin1');
    case 0x1e:
      return Buffer.from(node.content).swap16().toString('utf16le');
    default:
      throw refuse('The CSR subject uses an unsupported string type.');
  }
}

function readSubject(name: Node): Partial<SubjectFields> {
  const subject: Partial<Record<keyof SubjectFields, string>> = {};
  for (const rdn of children(expectTag(name, 0x30, 'a Name'))) {
    for (const attribute of children(rdn)) {
      const [type, value] = children(attribute);
      const field = FIELDS[readOid(type!)];
      if (field && value && subject[field] === undefined) subject[field] = directoryString(value);
    }
  }
  return subject;
}

function generalNameText(node: Node): string {
  if (node.tag === 0x81 || node.tag === 0x82) return node.content.toString('ascii');
  if (node.tag === 0x87 && node.content.length === 4) return [...node.content].join('.');
  if (node.tag === 0x87 && node.content.length === 16)
    return Array.from({ length: 8 }, (_, i) => node.content.readUInt16BE(i * 2).toString(16)).join(':');
  throw refuse('The CSR asks for a subject alternative name other than DNS, IP or email.');
}

/** The SANs of the extensionRequest attribute; every other requested extension is ignored. */
function requestedSans(attributes: Node | undefined): string[] {
  if (!attributes) return [];
  for (const attribute of children(attributes)) {
    const [type, values] = children(attribute);
    if (readOid(type!) !== '1.2.840.113549.1.9.14' || !values) continue;
    for (const extension of children(children(values)[0]!)) {
      const parts = children(extension);
      if (readOid(parts[0]!) !== '2.5.29.17') continue;
      const value = expectTag(parts.at(-1), 0x04, 'an extension value');
      return children(parseDer(value.content)).map(generalNameText);
    }
  }
  return [];
}

/**
 * Parses and checks a PEM CSR: its signature must verify with its own key, the key must be acceptable. Only
 * the subject attributes above and the SAN extension are read (the CA decides key usage and the rest).
 * Hand-parsed with the module's DER reader: `@peculiar/x509` needs a global `reflect-metadata` polyfill.
 */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const [der] = fromPem(pem, 'CERTIFICATE REQUEST').concat(fromPem(pem, 'NEW CERTIFICATE REQUEST'));
  if (!der) throw refuse('The CSR is not a PEM certificate request.');
  let parsed: {
    info: Node;
    spki: Buffer;
    publicKey: KeyObject;
    digest: string | null;
    signature: Buffer;
    fields: Node[];
  };
  try {
    const [info, algorithm, signature] = children(expectTag(parseDer(der), 0x30, 'a CertificationRequest'));
    const fields = children(expectTag(info, 0x30, 'a CertificationRequestInfo'));
    const spki = expectTag(fields[2], 0x30, 'a public key').raw;
    const digest = SIGNATURES[readOid(children(expectTag(algorithm, 0x30, 'an algorithm'))[0]!)];
    if (digest === undefined) throw refuse('The CSR is signed with an unsupported algorithm.');
    parsed = {
      info: info!,
      spki: Buffer.from(spki),
      publicKey: createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }),
      digest,
      signature: expectTag(signature, 0x03, 'a signature').content.subarray(1),
      fields,
    };
  } catch (error) {
    if ((error as { code?: string }).code === 'VALIDATION_FAILED') throw error;
    throw refuse('The CSR is not a valid certificate request.');
  }
  const keyAlgorithm = describeKey(parsed.publicKey);
  if (!keyAlgorithm)
    throw refuse('The CSR key is not accepted: use RSA of 2048 bits or more, EC P-256 or P-384, or Ed25519.');
  let valid: boolean;
  try {
    valid = verify(parsed.digest, parsed.info.raw, parsed.publicKey, parsed.signature);
  } catch {
    valid = false;
  }
  if (!valid) throw refuse('The CSR signature does not verify.');
  try {
    return {
      publicKey: parsed.publicKey,
      spki: parsed.spki,
      keyAlgorithm,
      subject: readSubject(parsed.fields[1]!),
      sans: requestedSans(parsed.fields.find((f) => f.tag === 0xa0)),
    };
  } catch (error) {
    if ((error as { code?: string }).code === 'VALIDATION_FAILED') throw error;
    throw refuse('The CSR subject or extensions cannot be read.');
  }
}
