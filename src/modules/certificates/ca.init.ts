import { createPrivateKey, generateKeyPair, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../../core/db/database.ts';
import type { Actor, DomainEventHooks } from '../../core/events.ts';
import { newId } from '../../core/ids.ts';
import { certificateAuthorities } from '../../db/schema/index.ts';
import { sealCaKey, type MasterKeys } from './ca.keys.ts';
import { readCaCertificate } from './ca.parse.ts';
import { toPem } from './der.ts';
import { newSerial } from './serials.ts';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  encodeCertificate,
  encodeName,
  KEY_USAGE,
  keyIdentifier,
  keyUsageExtension,
  signatureAlgorithmFor,
  spkiOf,
  subjectKeyIdentifierExtension,
} from './x509.encoder.ts';

const generate = promisify(generateKeyPair);
const YEAR_MS = 365.25 * 86_400_000;
export const SYSTEM_ACTOR: Actor = { accountId: null, requestId: null, ip: null };

interface CaCertOptions {
  readonly key: KeyObject;
  readonly subject: Buffer;
  readonly issuerSubject: Buffer;
  readonly issuerKey: KeyObject;
  readonly issuerKeyId: Buffer;
  readonly notAfter: Date;
  readonly pathLength?: number;
}

function caCertificate(options: CaCertOptions): string {
  const spki = spkiOf(options.key);
  const ski = keyIdentifier(spki);
  const extensions = [
    basicConstraintsExtension(true, options.pathLength),
    keyUsageExtension(KEY_USAGE.digitalSignature | KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign),
    subjectKeyIdentifierExtension(ski),
    authorityKeyIdentifierExtension(options.issuerKeyId.length ? options.issuerKeyId : ski),
  ];
  const der = encodeCertificate(
    {
      serial: newSerial().magnitude,
      issuer: options.issuerSubject,
      subject: options.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: options.notAfter,
      spki,
      extensions,
    },
    options.issuerKey,
    signatureAlgorithmFor(options.issuerKey),
  );
  return toPem(der, 'CERTIFICATE');
}

/**
 * Creates a root (EC P-384, 20 years) and an issuing intermediate (EC P-256, 5 years, pathLen 0), makes the
 * intermediate the active issuer and retires earlier ones. Runs under an advisory lock so that instances
 * starting together create one CA, not two.
 */
export async function createCa(
  tx: Tx,
  keys: MasterKeys,
  name = 'Bulwark',
): Promise<{ rootId: string; intermediateId: string }> {
  const rootKey = (await generate('ec', { namedCurve: 'secp384r1' })).privateKey;
  const issuingKey = (await generate('ec', { namedCurve: 'prime256v1' })).privateKey;
  const now = Date.now();
  const rootSubject = encodeName({ organization: name, common_name: `${name} Root CA` });
  const rootPem = caCertificate({
    key: rootKey,
    subject: rootSubject,
    issuerSubject: rootSubject,
    issuerKey: rootKey,
    issuerKeyId: Buffer.alloc(0),
    notAfter: new Date(now + 20 * YEAR_MS),
  });
  const intermediatePem = caCertificate({
    key: issuingKey,
    subject: encodeName({
      organization: name,
      common_name: `${name} Issuing CA ${new Date(now).toISOString().slice(0, 10)}`,
    }),
    issuerSubject: rootSubject,
    issuerKey: rootKey,
    issuerKeyId: keyIdentifier(spkiOf(rootKey)),
    notAfter: new Date(now + 5 * YEAR_MS),
    pathLength: 0,
  });
  return storeCa(tx, keys, { rootPem, rootKey, intermediatePem, intermediateKey: issuingKey });
}

export interface CaMaterial {
  readonly rootPem: string;
  readonly rootKey?: KeyObject | undefined;
  readonly intermediatePem: string;
  readonly intermediateKey: KeyObject;
}

async function storeCa(tx: Tx, keys: MasterKeys, material: CaMaterial) {
  const rootId = newId();
  const intermediateId = newId();
  await tx.update(certificateAuthorities).set({ active: false });
  await tx.insert(certificateAuthorities).values([
    {
      id: rootId,
      kind: 'root',
      certificatePem: material.rootPem,
      ...(material.rootKey ? sealCaKey(keys.current, material.rootKey) : {}),
    },
    {
      id: intermediateId,
      kind: 'intermediate',
      parentId: rootId,
      certificatePem: material.intermediatePem,
      ...sealCaKey(keys.current, material.intermediateKey),
    },
  ]);
  return { rootId, intermediateId };
}

/**
 * Checks an existing root and intermediate before they are stored: both CA certificates, the intermediate
 * signed by the root and still valid, its key matching its certificate (and the root's, when given).
 */
export function validateCaMaterial(material: CaMaterial): void {
  const root = new X509Certificate(material.rootPem);
  const intermediate = new X509Certificate(material.intermediatePem);
  if (!root.ca || !intermediate.ca) throw new Error('Both certificates must be CA certificates (CA:TRUE)');
  if (!intermediate.verify(root.publicKey)) throw new Error('The intermediate is not signed by the root');
  if (!intermediate.checkPrivateKey(material.intermediateKey))
    throw new Error('The intermediate key does not match its certificate');
  if (material.rootKey && !root.checkPrivateKey(material.rootKey))
    throw new Error('The root key does not match its certificate');
  if (new Date(intermediate.validTo).getTime() < Date.now()) throw new Error('The intermediate has expired');
  readCaCertificate(material.intermediatePem);
  signatureAlgorithmFor(material.intermediateKey);
}

/** Reads a PEM private key (passphrase-protected PKCS#8 accepted). */
export function readPrivateKey(pem: string, passphrase?: string): KeyObject {
  return createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
}

/** Takes the lock that serializes CA creation across instances (held until the transaction ends). */
export async function lockCa(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(4242001)`);
}

/** `bulwark ca import` and its audit event. */
export async function importCa(
  database: Database,
  keys: MasterKeys,
  events: DomainEventHooks,
  material: CaMaterial,
) {
  validateCaMaterial(material);
  return database.db.transaction(async (tx) => {
    await lockCa(tx);
    const ids = await storeCa(tx, keys, material);
    await events.emit(tx, 'ca.operation', {
      action: 'ca.import',
      target: ids.intermediateId,
      details: { root_id: ids.rootId, root_key_stored: material.rootKey !== undefined },
      actor: SYSTEM_ACTOR,
    });
    return ids;
  });
}

/**
 * Creates the CA unless one exists (or always, with `force`: a new root and intermediate replace the active
 * ones; certificates already issued keep verifying against the old chain). Returns whether it created one.
 */
export async function initCa(
  database: Database,
  keys: MasterKeys,
  events: DomainEventHooks,
  options: { force?: boolean } = {},
): Promise<{ created: boolean; intermediateId?: string }> {
  return database.db.transaction(async (tx) => {
    await lockCa(tx);
    const existing = await tx
      .select({ id: certificateAuthorities.id })
      .from(certificateAuthorities)
      .where(sql`${certificateAuthorities.active} and ${certificateAuthorities.kind} = 'intermediate'`);
    if (existing.length > 0 && !options.force) return { created: false };
    const ids = await createCa(tx, keys);
    await events.emit(tx, 'ca.operation', {
      action: 'ca.init',
      target: ids.intermediateId,
      details: { root_id: ids.rootId, replaced: existing.map((r) => r.id) },
      actor: SYSTEM_ACTOR,
    });
    return { created: true, intermediateId: ids.intermediateId };
  });
}
