import { createHash } from 'node:crypto';
import { validationFailed, type FieldError } from '../../core/errors/app-error.ts';
import type { CertificateAuthority } from './ca.authority.ts';
import type { NewCertificateRow } from './certificates.repository.ts';
import { toPem } from './der.ts';
import type { LeafSigner } from './leaf.ts';
import { parseSan } from './names.ts';
import { newSerial } from './serials.ts';
import type { Profile, SubjectFields } from './x509.encoder.ts';

/** A request already checked: what the signer needs and what the row stores. */
export interface IssueSpec {
  readonly subject: SubjectFields;
  readonly sans: string[];
  readonly spki: Buffer;
  readonly keyAlgorithm: string;
  readonly profile: Profile;
  readonly validityDays: number;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const NO_CONTROL = /^[^\u0000-\u001F\u007F-\u009F]*$/;
const SUBJECT_LIMITS: Record<keyof SubjectFields, number> = {
  common_name: 64,
  organization: 64,
  organizational_unit: 64,
  country: 2,
  state: 128,
  locality: 128,
};

/** Checks a subject taken from a CSR the way the JSON schema checks one sent as JSON. */
export function checkSubject(subject: Partial<SubjectFields>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [field, max] of Object.entries(SUBJECT_LIMITS) as [keyof SubjectFields, number][]) {
    const value = subject[field];
    if (value === undefined) continue;
    if (value.length === 0 || value.length > max || !NO_CONTROL.test(value))
      errors.push({ path: `${path}/${field}`, message: `must be 1..${max} printable characters` });
  }
  if (subject.country !== undefined && !/^[A-Z]{2}$/.test(subject.country))
    errors.push({ path: `${path}/country`, message: 'must be an ISO 3166 alpha-2 code' });
  return errors;
}

/**
 * Normalizes and checks the names: each SAN must be a DNS name, an IP address or an email; for TLS profiles
 * the common name must itself be a DNS name or an IP address, and is added to the SANs (clients ignore CN).
 * Throws a 422 listing every bad name.
 */
export function checkNames(
  subject: SubjectFields,
  sans: readonly string[],
  profile: Profile,
  sansPath: string,
): string[] {
  const errors: FieldError[] = [];
  const out: string[] = [];
  sans.forEach((raw, i) => {
    const san = parseSan(raw);
    if (!san)
      errors.push({ path: `${sansPath}/${i}`, message: 'is not a DNS name, an IP address or an email' });
    else if (!out.includes(san.value)) out.push(san.value);
  });
  if (profile !== 'email') {
    const cn = parseSan(subject.common_name);
    if (!cn || cn.kind === 'email')
      errors.push({
        path: '/body/subject/common_name',
        message: 'must be a DNS name or an IP address for TLS',
      });
    else if (!out.includes(cn.value)) out.unshift(cn.value);
  }
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}

/** Validity in days: the requested one (at most the cap) or the default. */
export function checkValidity(requested: number | undefined, fallback: number, max: number): number {
  if (requested === undefined) return fallback;
  if (requested > max)
    throw validationFailed([
      { path: '/body/validity_days', message: `must be at most ${max} (CERT_MAX_VALIDITY_DAYS)` },
    ]);
  return requested;
}

/**
 * Signs a certificate for the spec with the active intermediate and returns the row to store: random 128-bit
 * serial, notBefore backdated a minute (clock skew), notAfter never beyond the intermediate's own.
 */
export function signLeaf(
  authority: CertificateAuthority,
  signer: LeafSigner,
  spec: IssueSpec,
  ids: { id: string; ownerId: string; renewedFrom?: string; labels?: Record<string, string> },
): NewCertificateRow {
  const now = Date.now();
  const notBefore = new Date(Math.floor((now - 60_000) / 1000) * 1000);
  const notAfter = new Date(
    Math.min(
      Math.floor(now / 1000) * 1000 + spec.validityDays * 86_400_000,
      authority.issuer.notAfter.getTime(),
    ),
  );
  const serial = newSerial();
  const der = signer.sign({
    serial: serial.magnitude,
    subject: spec.subject,
    sans: spec.sans,
    spki: spec.spki,
    rsa: spec.keyAlgorithm.startsWith('rsa'),
    profile: spec.profile,
    notBefore,
    notAfter,
  });
  return {
    id: ids.id,
    ownerId: ids.ownerId,
    issuerId: authority.issuer.id,
    serial: serial.hex,
    commonName: spec.subject.common_name,
    subject: Object.fromEntries(Object.entries(spec.subject).filter(([, v]) => v !== undefined)),
    sans: spec.sans,
    keyAlgorithm: spec.keyAlgorithm,
    profile: spec.profile,
    notBefore,
    notAfter,
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
    certificatePem: toPem(der, 'CERTIFICATE'),
    labels: ids.labels ?? {},
    renewedFrom: ids.renewedFrom ?? null,
  };
}
