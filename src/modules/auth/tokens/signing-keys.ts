import { desc, eq, isNull } from 'drizzle-orm';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Db } from '../../../core/db/database.ts';
import {
  createRotatingSecretBox,
  createSecretBox,
  resealUnder,
  type SecretBox,
} from '../../../core/crypto/secret-box.ts';
import { newId } from '../../../core/ids.ts';
import { signingKeys } from '../../../db/schema/signing-keys.ts';

export const TOKEN_ALGORITHM = 'EdDSA';
const PURPOSE = 'signing-keys';

/**
 * How stale an instance's idea of the active key may be: before signing, a key list older than this is
 * checked against the database (one tiny query), so a `bulwark keys rotate` anywhere reaches every
 * instance's new tokens within this bound (plus the query), as revocation does (REVOCATION_BOUND_MS).
 */
export const ACTIVE_KEY_CHECK_MS = 2000;

interface LoadedKey {
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly verifyKey: CryptoKey;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
  /** Decrypted lazily: only the signing key is ever opened. A KeyObject: node:crypto signs (see access-tokens). */
  signKey?: KeyObject;
  readonly sealedPrivate: string;
}

/**
 * The access-token signing keys, kept in `signing_keys` with private keys sealed under MASTER_KEY.
 * Every instance reads them from the database: a key added by `bulwark keys rotate` elsewhere signs this
 * instance's tokens within ACTIVE_KEY_CHECK_MS, and verifies here as soon as a token names its `kid`.
 */
export class SigningKeyStore {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private readonly box: SecretBox;
  private readonly db: Db;
  private readonly retentionMs: number;

  /**
   * `retentionMs`: how long a retired key stays published (at least the access-token lifetime).
   * `previousMasterKey` (MASTER_KEY_PREVIOUS): during a master-key rotation, keys sealed under it still open.
   */
  constructor(db: Db, masterKey: Buffer, retentionMs: number, previousMasterKey?: Buffer) {
    this.db = db;
    this.box = createRotatingSecretBox(masterKey, previousMasterKey, PURPOSE);
    this.retentionMs = retentionMs;
  }

  private loading: Promise<void> | undefined;
  private checkedAt = 0;
  private checking: Promise<void> | undefined;

  /**
   * Loads the keys, creating the first one if there is none. Lazy and retried on failure, so that a
   * server whose migrations are pending still starts (and says so on /readyz).
   */
  init(): Promise<void> {
    this.loading ??= (async () => {
      await this.reload();
      if (!this.keys.some((k) => k.retiredAt === null)) {
        await this.create();
        await this.reload();
      }
    })().catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  /** Adds a new signing key and retires the others (they stay published until their tokens expire). */
  async rotate(): Promise<string> {
    const kid = await this.db.transaction(async (tx) => {
      // Only the active key: a key retired earlier keeps its date, so it leaves the JWKS when its time is up.
      await tx.update(signingKeys).set({ retiredAt: new Date() }).where(isNull(signingKeys.retiredAt));
      return this.create(tx);
    });
    await this.reload();
    return kid;
  }

  private async create(db: Pick<Db, 'insert'> = this.db): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALGORITHM, {
      crv: 'Ed25519',
      extractable: true,
    });
    const kid = newId();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' };
    await db.insert(signingKeys).values({
      id: kid,
      algorithm: TOKEN_ALGORITHM,
      publicJwk,
      privateKeyEncrypted: this.box.seal(await exportPKCS8(privateKey)),
    });
    return kid;
  }

  async reload(): Promise<void> {
    const rows = await this.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
    const previous = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = await Promise.all(
      rows.map(async (row) => {
        const known = previous.get(row.id);
        if (known && known.retiredAt?.getTime() === row.retiredAt?.getTime()) return known;
        return {
          kid: row.id,
          publicJwk: row.publicJwk,
          verifyKey: (await importJWK(row.publicJwk as JWK, TOKEN_ALGORITHM)) as CryptoKey,
          createdAt: row.createdAt,
          retiredAt: row.retiredAt,
          signKey: known?.signKey,
          sealedPrivate: row.privateKeyEncrypted,
        };
      }),
    );
    this.loadedAt = Date.now();
  }

  /**
   * Makes sure the active key is the database's, at most every ACTIVE_KEY_CHECK_MS: compares the newest
   * unretired key's id (an indexed one-row read) and reloads only when it changed. Concurrent callers
   * share one check.
   */
  async checkActiveKey(): Promise<void> {
    await this.init();
    if (Date.now() - Math.max(this.checkedAt, this.loadedAt) <= ACTIVE_KEY_CHECK_MS) return;
    this.checking ??= (async () => {
      const [row] = await this.db
        .select({ id: signingKeys.id })
        .from(signingKeys)
        .where(isNull(signingKeys.retiredAt))
        .orderBy(desc(signingKeys.createdAt))
        .limit(1);
      if (row?.id !== this.active()?.kid) await this.reload();
      this.checkedAt = Date.now();
    })().finally(() => {
      this.checking = undefined;
    });
    await this.checking;
  }

  private active(): LoadedKey | undefined {
    return this.keys.find((k) => k.retiredAt === null);
  }

  /** The newest unretired key (as of at most ACTIVE_KEY_CHECK_MS ago), decrypted on first use. */
  async signingKey(): Promise<{ kid: string; key: KeyObject }> {
    await this.checkActiveKey();
    const current = this.active() ?? this.keys[0];
    if (!current) throw new Error('No signing key: call init() first');
    current.signKey ??= createPrivateKey(this.box.open(current.sealedPrivate).toString('utf8'));
    return { kid: current.kid, key: current.signKey };
  }

  /** The public key for a `kid`, if it is still published (after init()). */
  verifyKey(kid: string): CryptoKey | undefined {
    return this.published().find((k) => k.kid === kid)?.verifyKey;
  }

  /** The JWKS document: active keys and retired ones whose tokens may still be valid. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published().map((k) => k.publicJwk) };
  }

  private published(): LoadedKey[] {
    const cutoff = Date.now() - this.retentionMs;
    return this.keys.filter((k) => k.retiredAt === null || k.retiredAt.getTime() > cutoff);
  }
}

/**
 * `bulwark keys rotate-master`: reseals every signing key's private key still under `from` (the previous
 * master key) with `to`, each in its own update (idempotent: keys already under `to` are left alone).
 * Instances running with MASTER_KEY_PREVIOUS open either meanwhile. Returns how many were resealed.
 * @example await resealSigningKeys(db, previousMasterKey, masterKey)
 */
export async function resealSigningKeys(db: Db, from: Buffer, to: Buffer): Promise<number> {
  const current = createSecretBox(to, PURPOSE);
  const previous = createSecretBox(from, PURPOSE);
  let resealed = 0;
  await db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: signingKeys.id, sealed: signingKeys.privateKeyEncrypted })
      .from(signingKeys)
      .for('update');
    for (const row of rows) {
      const next = resealUnder(current, previous, row.sealed);
      if (next === undefined) continue;
      await tx.update(signingKeys).set({ privateKeyEncrypted: next }).where(eq(signingKeys.id, row.id));
      resealed++;
    }
  });
  return resealed;
}
