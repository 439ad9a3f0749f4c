import { createCipheriv, generateKeyPair, pbkdf2, randomBytes, type ECKeyPairOptions } from 'node:crypto';
import { promisify } from 'node:util';
import { integer, NULL, octets, oid, seq, toPem } from './der.ts';

export const KEY_ALGORITHMS = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'ed25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

const derive = promisify(pbkdf2);

/** A generated key pair, already encoded: what issuance stores (the SPKI) and returns (the PKCS#8). */
export interface GeneratedKey {
  /** SubjectPublicKeyInfo, DER. */
  readonly spki: Buffer;
  /** The private key as unencrypted PKCS#8 DER. */
  readonly pkcs8: Buffer;
}

const ENCODING = {
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'der' },
} as const;

/**
 * A fresh key pair, generated and encoded on libuv's thread pool: RSA takes tens of milliseconds and would
 * otherwise stall every request of the process, and even for EC keys asking for the encodings here keeps
 * the key generation, the SPKI and the PKCS#8 export off the event loop (≈ 10 µs of main-thread time per
 * key instead of ≈ 150 µs for KeyObjects exported afterwards).
 * @example const { spki, pkcs8 } = await generateKey('ec-p256')
 */
export async function generateKey(algorithm: KeyAlgorithm): Promise<GeneratedKey> {
  switch (algorithm) {
    case 'ec-p256':
      return generateDer('ec', { namedCurve: 'prime256v1' });
    case 'ec-p384':
      return generateDer('ec', { namedCurve: 'secp384r1' });
    case 'rsa-2048':
      return generateDer('rsa', { modulusLength: 2048 });
    case 'rsa-3072':
      return generateDer('rsa', { modulusLength: 3072 });
    case 'ed25519':
      return generateDer('ed25519', {});
  }
}

/** `generateKeyPair` with DER encodings, as a promise (promisify's typings lose the encoded overloads). */
function generateDer(
  type: 'ec' | 'rsa' | 'ed25519',
  options: { namedCurve?: string; modulusLength?: number },
): Promise<GeneratedKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      type as 'ec',
      { ...options, ...ENCODING } as ECKeyPairOptions<'der', 'der'>,
      (error, spki, pkcs8) => (error ? reject(error) : resolve({ spki, pkcs8 })),
    );
  });
}

/** PBKDF2 iterations for an encrypted private key: OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const PBKDF2_ITERATIONS = 600_000;

/**
 * The private key as PEM: plain PKCS#8, or with a passphrase an `ENCRYPTED PRIVATE KEY` (PKCS#8 with PBES2:
 * PBKDF2-HMAC-SHA256 at 600,000 iterations and AES-256-CBC). Node's own `export({cipher, passphrase})` uses
 * OpenSSL's default of 2,048 iterations and cannot be told otherwise, hence this encoding. OpenSSL and Node
 * read it back (`openssl pkey -passin`, `crypto.createPrivateKey({key, passphrase})`).
 */
export async function privateKeyPem(pkcs8: Buffer, passphrase?: string): Promise<string> {
  if (passphrase === undefined) {
    const pem = toPem(pkcs8, 'PRIVATE KEY');
    pkcs8.fill(0);
    return pem;
  }
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  // Off the event loop: 600,000 rounds take a few hundred milliseconds.
  const kek = await derive(
    Buffer.from(passphrase.normalize('NFC'), 'utf8'),
    salt,
    PBKDF2_ITERATIONS,
    32,
    'sha256',
  );
  const cipher = createCipheriv('aes-256-cbc', kek, iv);
  const encrypted = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
  pkcs8.fill(0);
  kek.fill(0);
  const algorithm = seq(
    oid('1.2.840.113549.1.5.13'), // PBES2
    seq(
      seq(
        oid('1.2.840.113549.1.5.12'), // PBKDF2
        seq(octets(salt), integer(PBKDF2_ITERATIONS), seq(oid('1.2.840.113549.2.9'), NULL)),
      ),
      seq(oid('2.16.840.1.101.3.4.1.42'), octets(iv)), // aes256-CBC
    ),
  );
  return toPem(seq(algorithm, octets(encrypted)), 'ENCRYPTED PRIVATE KEY');
}
