// Verification (never creation) of the hashes the Python systems stored: bcrypt (Python bcrypt,
// Flask-Bcrypt, passlib), passlib sha256_crypt / sha512_crypt and pbkdf2_*, Werkzeug pbkdf2 and scrypt.
// The hashes come from an import file, so every cost parameter is bounded before any work starts.
import { parsePasslibPbkdf2, parseWerkzeug, safeEqual, type Verifier } from './kdf-hashes.ts';
import { runInWorker } from './legacy-worker-pool.ts';
import { SHA_CRYPT_DEFAULT_ROUNDS, SHA_CRYPT_MIN_ROUNDS, type ShaCryptVariant } from './sha-crypt.ts';

/** Python bcrypt, passlib and Flask-Bcrypt default to 12; each step doubles the work. */
export const MAX_BCRYPT_COST = 14;
/** passlib's defaults are 535,000 (sha256_crypt) and 656,000 (sha512_crypt). */
export const MAX_SHA_CRYPT_ROUNDS = 1_000_000;
/** SHA-crypt hashes the password again in every round, so its length multiplies the work. */
export const MAX_PASSWORD_BYTES = 1024;
/** Longer strings are not any supported format; refusing them early bounds the parsing. */
export const MAX_HASH_LENGTH = 512;

// $2a$, $2b$ and $2y$ only disclaim bugs of old C implementations; Python's bcrypt, passlib and bcryptjs
// compute the same thing for all three (passlib writes $2y$ when asked for the PHP ident). $2x$ marks
// output of the buggy crypt_blowfish < 1.1 and cannot be verified correctly, so it is refused.
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

function parseBcrypt(stored: string): Verifier | undefined {
  const [, cost = ''] = BCRYPT.exec(stored) ?? [];
  if (!cost || Number(cost) < 4 || Number(cost) > MAX_BCRYPT_COST) return undefined;
  // bcrypt reads only the first 72 bytes of the password, as Python's bcrypt (< 5) and passlib did, so a
  // longer password verifies when those bytes match: the same answer the old system gave.
  const salt = stored.slice(0, 29); // "$2b$12$" and 22 salt characters
  return async (password) => safeEqual(await runInWorker({ kind: 'bcrypt', password, salt }), stored);
}

// $5$rounds=535000$<salt>$<checksum>, or without `rounds=` (5000). Salts are at most 16 characters of the
// hash64 alphabet, which is what passlib and Python's crypt.mksalt write (glibc would allow more).
const SHA_CRYPT =
  /^\$([56])\$(?:rounds=(\d{1,9})\$)?([./0-9A-Za-z]{0,16})\$([./0-9A-Za-z]{86}|[./0-9A-Za-z]{43})$/;

function parseShaCrypt(stored: string): Verifier | undefined {
  const [, id = '', roundsText = '', salt = '', checksum = ''] = SHA_CRYPT.exec(stored) ?? [];
  const variant: ShaCryptVariant = id === '5' ? 'sha256' : 'sha512';
  if (!id || checksum.length !== (variant === 'sha256' ? 43 : 86)) return undefined;
  const rounds = roundsText ? Number(roundsText) : SHA_CRYPT_DEFAULT_ROUNDS;
  if (rounds < SHA_CRYPT_MIN_ROUNDS || rounds > MAX_SHA_CRYPT_ROUNDS) return undefined;
  return async (password) =>
    safeEqual(await runInWorker({ kind: 'sha-crypt', password, salt, rounds, variant }), checksum);
}

/** Parses a stored legacy hash into a verifier, or `undefined` for an unknown format or out-of-bounds cost. */
export function parseLegacyHash(stored: string): Verifier | undefined {
  if (stored.length > MAX_HASH_LENGTH) return undefined;
  return parseBcrypt(stored) ?? parseShaCrypt(stored) ?? parsePasslibPbkdf2(stored) ?? parseWerkzeug(stored);
}

/** Whether `stored` is a legacy hash this module can verify (useful to validate an import file up front). */
export function isLegacyHash(stored: string): boolean {
  return parseLegacyHash(stored) !== undefined;
}

/**
 * Verifies `password` against a legacy hash; `false` for a wrong password, an unknown format, parameters
 * beyond the bounds above or any internal failure. Never throws and never logs.
 */
export async function verifyLegacyHash(stored: string, password: string): Promise<boolean> {
  try {
    if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
    const verify = parseLegacyHash(stored);
    return verify ? await verify(password) : false;
  } catch {
    return false;
  }
}
