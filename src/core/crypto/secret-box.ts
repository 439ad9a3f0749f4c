import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) of secrets at rest under a key derived from MASTER_KEY, one
 * derived key per purpose, so a key leaked for one purpose opens nothing else.
 * @example const box = createSecretBox(masterKey, 'signing-keys'); box.open(box.seal('pem'))
 */
export interface SecretBox {
  seal(plaintext: string | Buffer): string;
  open(sealed: string): Buffer;
}

export function createSecretBox(masterKey: Buffer, purpose: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `bulwark:${purpose}`, 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        body.toString('base64url'),
      ].join(':');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(':');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    },
  };
}

/**
 * A box for a master-key rotation: seals under `current`, opens under it or else under `previous`
 * (MASTER_KEY_PREVIOUS), so secrets sealed before the rotation stay readable while
 * `bulwark keys rotate-master` reseals them, and instances started with both keys never stop.
 * @example const box = createRotatingSecretBox(masterKey, config.masterKeyPrevious, 'signing-keys')
 */
export function createRotatingSecretBox(
  current: Buffer,
  previous: Buffer | undefined,
  purpose: string,
): SecretBox {
  const box = createSecretBox(current, purpose);
  const old = previous ? createSecretBox(previous, purpose) : undefined;
  return {
    seal: (plaintext) => box.seal(plaintext),
    open(sealed) {
      try {
        return box.open(sealed);
      } catch (error) {
        if (!old) throw error;
        return old.open(sealed);
      }
    },
  };
}

/**
 * `sealed` resealed under `to` when it does not open there yet (it must then open under `from`); undefined
 * when it is already under `to`. What every rotation step does per secret, idempotent across reruns.
 * @example const next = resealUnder(newBox, oldBox, row.secretSealed)
 */
export function resealUnder(to: SecretBox, from: SecretBox, sealed: string): string | undefined {
  try {
    to.open(sealed);
    return undefined;
  } catch {
    const plaintext = from.open(sealed);
    const next = to.seal(plaintext);
    plaintext.fill(0);
    return next;
  }
}
