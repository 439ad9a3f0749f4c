// Ulrich Drepper's SHA-crypt ($5$ = SHA-256, $6$ = SHA-512), as specified in
// https://www.akkadia.org/drepper/SHA-crypt.txt and used by glibc crypt(3) and passlib's sha256_crypt /
// sha512_crypt. No maintained npm package implements it, so it is written here from the spec; the step
// numbers below are the spec's. Only the SHA primitive comes from node:crypto.
//
// Hazard: the rounds loop makes one native hash call per round (~2 µs each), so passlib's default 535,000
// rounds cost about a second of CPU. Never call this on the event loop: it runs in legacy-worker.ts.
import { hash } from 'node:crypto';

export type ShaCryptVariant = 'sha256' | 'sha512';

// The final encoding emits the digest bytes in this shuffled order, three bytes per four characters (most
// significant byte first); the last group is shorter. Transcribed from the spec's b64_from_24bit calls.
const BYTE_ORDER: Record<ShaCryptVariant, readonly number[]> = {
  sha256: [
    0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19,
    29, 31, 30,
  ],
  sha512: [
    0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30,
    51, 31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18,
    39, 60, 40, 61, 19, 62, 20, 41, 63,
  ],
};

/** The crypt(3) base-64 alphabet (not RFC 4648: `./` first, then digits, upper, lower). */
export const HASH64_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Length of the encoded checksum: 43 characters for SHA-256, 86 for SHA-512. */
export const SHA_CRYPT_CHECKSUM_LENGTH: Record<ShaCryptVariant, number> = { sha256: 43, sha512: 86 };

/** The rounds when a hash has no `rounds=` (Drepper's spec). */
export const SHA_CRYPT_DEFAULT_ROUNDS = 5000;
/** The spec clamps lower counts up to this; libxcrypt and passlib reject them, and so do we. */
export const SHA_CRYPT_MIN_ROUNDS = 1000;

/** Repeats `block` and truncates it to `length` bytes (steps 3, 16 and 20). */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length)
    block.copy(out, at, 0, Math.min(block.length, length - at));
  return out;
}

function encode(digest: Buffer, order: readonly number[]): string {
  let out = '';
  for (let i = 0; i < order.length; i += 3) {
    const group = order.slice(i, i + 3);
    let word = 0;
    for (const index of group) word = (word << 8) | (digest[index] ?? 0);
    // 3 bytes → 4 characters, 2 → 3, 1 → 2; least significant six bits first.
    for (let chars = Math.ceil((group.length * 8) / 6); chars > 0; chars--, word >>>= 6) {
      out += HASH64_ALPHABET[word & 0x3f];
    }
  }
  return out;
}

/**
 * Computes the SHA-crypt checksum (the part after the last `$`) of `password` with `salt` (at most 16 bytes)
 * and `rounds` (range-checked by the caller).
 * @example shaCrypt(Buffer.from('Hello world!'), Buffer.from('saltstring'), 5000, 'sha256')
 * // → '5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF4Jtl0J5'
 */
export function shaCrypt(password: Buffer, salt: Buffer, rounds: number, variant: ShaCryptVariant): string {
  const digest = (...parts: Buffer[]): Buffer => hash(variant, Buffer.concat(parts), 'buffer');
  const P = password;
  const S = salt;

  // Steps 4-8: digest B = H(password, salt, password).
  const B = digest(P, S, P);

  // Steps 1-3 and 9-12: digest A = H(password, salt, B stretched to the password's length, then for each
  // bit of the password's length from the lowest: B for a 1, the password for a 0).
  const aParts = [P, S, repeatTo(B, P.length)];
  for (let n = P.length; n > 0; n >>= 1) aParts.push(n & 1 ? B : P);
  const A = digest(...aParts);

  // Steps 13-16: the byte sequence "P" = H(password repeated once per password byte), stretched to its length.
  const pSeq = repeatTo(digest(...new Array<Buffer>(P.length).fill(P)), P.length);

  // Steps 17-20: the byte sequence "S" = H(salt repeated 16 + A[0] times), cut to the salt's length.
  const sSeq = repeatTo(digest(...new Array<Buffer>(16 + (A[0] ?? 0)).fill(S)), S.length);

  // Step 21: the rounds. Odd rounds start with "P" and end with the previous digest, even rounds the reverse;
  // "S" is added when the round is not divisible by 3, "P" again when it is not divisible by 7.
  let C = A;
  for (let i = 0; i < rounds; i++) {
    const parts = [i & 1 ? pSeq : C];
    if (i % 3 !== 0) parts.push(sSeq);
    if (i % 7 !== 0) parts.push(pSeq);
    parts.push(i & 1 ? C : pSeq);
    C = digest(...parts);
  }

  // Step 22: the shuffled base-64 encoding.
  return encode(C, BYTE_ORDER[variant]);
}
