import { createHash, createPrivateKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { createSecretBox } from '../../core/crypto/secret-box.ts';

/** The master keys a process knows: the current one, and during a rotation the previous one. */
export interface MasterKeys {
  readonly current: Buffer;
  readonly previous?: Buffer | undefined;
}

/** What is stored for a CA private key (envelope encryption). */
export interface SealedCaKey {
  readonly privateKeySealed: string;
  readonly dataKeyWrapped: string;
  readonly masterKeyId: string;
}

/** A short public name for a master key (never the key): which one wraps a data key. */
export function masterKeyId(masterKey: Buffer): string {
  const derived = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'bulwark:master-key-id', 32));
  return createHash('sha256').update(derived).digest('hex').slice(0, 16);
}

const wrapBox = (masterKey: Buffer) => createSecretBox(masterKey, 'ca-data-keys');
const keyBox = (dataKey: Buffer) => createSecretBox(dataKey, 'ca-private-key');

/**
 * Seals a CA private key: PKCS#8 under a fresh 256-bit data key (AES-256-GCM), the data key wrapped under the
 * master key (AES-256-GCM). Rotating the master key then rewraps 32-byte data keys, never the CA keys.
 * @example const sealed = sealCaKey(masterKey, privateKey)
 */
export function sealCaKey(masterKey: Buffer, key: KeyObject): SealedCaKey {
  const dataKey = randomBytes(32);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const sealed = {
    privateKeySealed: keyBox(dataKey).seal(pkcs8),
    dataKeyWrapped: wrapBox(masterKey).seal(dataKey),
    masterKeyId: masterKeyId(masterKey),
  };
  pkcs8.fill(0);
  dataKey.fill(0);
  return sealed;
}

/** The master key that wrapped this data key, among those known; throws when neither is. */
function masterFor(keys: MasterKeys, id: string): Buffer {
  if (masterKeyId(keys.current) === id) return keys.current;
  if (keys.previous && masterKeyId(keys.previous) === id) return keys.previous;
  throw new Error(`The CA key is wrapped by master key ${id}, which this process does not have`);
}

/** Opens a sealed CA private key with whichever known master key wrapped it. */
export function openCaKey(keys: MasterKeys, sealed: SealedCaKey): KeyObject {
  const dataKey = wrapBox(masterFor(keys, sealed.masterKeyId)).open(sealed.dataKeyWrapped);
  const pkcs8 = keyBox(dataKey).open(sealed.privateKeySealed);
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } finally {
    pkcs8.fill(0);
    dataKey.fill(0);
  }
}

/** The data key rewrapped under the current master key (the sealed private key is untouched). */
export function rewrapDataKey(
  keys: MasterKeys,
  sealed: SealedCaKey,
): Pick<SealedCaKey, 'dataKeyWrapped' | 'masterKeyId'> {
  const dataKey = wrapBox(masterFor(keys, sealed.masterKeyId)).open(sealed.dataKeyWrapped);
  try {
    return { dataKeyWrapped: wrapBox(keys.current).seal(dataKey), masterKeyId: masterKeyId(keys.current) };
  } finally {
    dataKey.fill(0);
  }
}
