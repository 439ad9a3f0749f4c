import { createPublicKey, type KeyObject } from 'node:crypto';
import type { DbOrTx } from '../../core/db/database.ts';
import { certificateAuthorities } from '../../db/schema/index.ts';
import { openCaKey, type MasterKeys } from './ca.keys.ts';
import { readCaCertificate, type CaCertificateInfo } from './ca.parse.ts';
import { signatureAlgorithmFor, spkiOf, type SignatureAlgorithm } from './x509.encoder.ts';

/** A CA that can sign: its certificate's parts, its private key and its signature algorithm. */
export interface Issuer extends CaCertificateInfo {
  readonly id: string;
  readonly key: KeyObject;
  readonly algorithm: SignatureAlgorithm;
}

/** The CA as loaded in a process: the active intermediate signs; earlier ones still answer OCSP. */
export interface CertificateAuthority {
  readonly issuer: Issuer;
  readonly issuers: ReadonlyMap<string, Issuer>;
  readonly rootPem: string;
  /** The intermediate, then the root: what `-untrusted chain.pem` and a TLS server need. */
  readonly chainPem: string;
}

type CaRow = typeof certificateAuthorities.$inferSelect;

function issuerOf(row: CaRow, keys: MasterKeys): Issuer | undefined {
  if (!row.privateKeySealed || !row.dataKeyWrapped || !row.masterKeyId) return undefined;
  const info = readCaCertificate(row.certificatePem);
  const key = openCaKey(keys, {
    privateKeySealed: row.privateKeySealed,
    dataKeyWrapped: row.dataKeyWrapped,
    masterKeyId: row.masterKeyId,
  });
  if (!spkiOf(key).equals(spkiOf(createPublicKey(info.pem))))
    throw new Error(`CA ${row.id}: the private key does not match its certificate`);
  return { ...info, id: row.id, key, algorithm: signatureAlgorithmFor(key) };
}

/**
 * Loads the CA from the database; undefined when none was created yet. Throws when the stored keys cannot be
 * opened (wrong MASTER_KEY): better not to start than to start without a CA.
 */
export async function loadAuthority(db: DbOrTx, keys: MasterKeys): Promise<CertificateAuthority | undefined> {
  const rows = await db.select().from(certificateAuthorities).orderBy(certificateAuthorities.createdAt);
  const active = rows.filter((r) => r.kind === 'intermediate' && r.active).at(-1);
  if (!active) return undefined;
  const root = rows.find((r) => r.id === active.parentId);
  if (!root) throw new Error(`CA ${active.id}: its root is missing`);
  const issuers = new Map<string, Issuer>();
  for (const row of rows) {
    if (row.kind !== 'intermediate') continue;
    const issuer = issuerOf(row, keys);
    if (issuer) issuers.set(row.id, issuer);
  }
  const issuer = issuers.get(active.id);
  if (!issuer) throw new Error(`CA ${active.id}: the active intermediate has no private key`);
  const rootPem = readCaCertificate(root.certificatePem).pem;
  return { issuer, issuers, rootPem, chainPem: issuer.pem + rootPem };
}
