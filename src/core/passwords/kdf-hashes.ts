// passlib's pbkdf2_* and Werkzeug's pbkdf2/scrypt hashes, verified with node:crypto's async KDFs (which run
// on libuv's thread pool). The parameters come from an import file, so they are bounded before any work.
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';

/** A verifier bound to one parsed stored hash. */
export type Verifier = (password: string) => Promise<boolean>;

/** Werkzeug 3.1 uses 1,000,000 iterations; twice that is the most an imported hash may ask for. */
export const MAX_PBKDF2_ITERATIONS = 2_000_000;
/** scrypt work N·r·p: four times Werkzeug's default scrypt:32768:8:1. */
export const MAX_SCRYPT_WORK = 2 ** 20;
const MAX_SCRYPT_MEMORY = 128 * 1024 * 1024;

// Werkzeug resolves `pbkdf2:sha256` (no count) with its own version's default at check time. 260,000 is
// the default of Werkzeug 2.0-2.2 (Debian 12's); hashes it generated always carry the count anyway.
const WERKZEUG_IMPLICIT_ITERATIONS = 260_000;

// Maps, not object literals: a digest name from the hash must not reach Object.prototype (`constructor`).
const DIGEST_SIZES: ReadonlyMap<string, number> = new Map([
  ['sha1', 20],
  ['sha224', 28],
  ['sha256', 32],
  ['sha384', 48],
  ['sha512', 64],
]);
const PASSLIB_DIGESTS: ReadonlyMap<string, string> = new Map([
  ['pbkdf2', 'sha1'],
  ['pbkdf2-sha256', 'sha256'],
  ['pbkdf2-sha512', 'sha512'],
]);

/** Compares two strings in constant time; their lengths (fixed by each format) are not secret. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function derivePbkdf2(password: string, salt: Buffer, iterations: number, digest: string): Promise<Buffer> {
  const size = DIGEST_SIZES.get(digest) ?? 0;
  return new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, size, digest, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const isCount = (text: string, max: number): boolean => /^[1-9]\d{0,9}$/.test(text) && Number(text) <= max;

// passlib's "adapted base64": standard base64 with `.` for `+` and no padding.
const ab64Decode = (text: string): Buffer => Buffer.from(text.replaceAll('.', '+'), 'base64');
const ab64Encode = (bytes: Buffer): string =>
  bytes.toString('base64').replaceAll('+', '.').replace(/=+$/, '');

// $pbkdf2-sha256$29000$<ab64 salt>$<ab64 checksum>; `$pbkdf2$` is PBKDF2-HMAC-SHA1.
const PASSLIB_PBKDF2 = /^\$(pbkdf2(?:-sha256|-sha512)?)\$(\d+)\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)$/;

/** Parses a passlib `pbkdf2_sha256` / `pbkdf2_sha512` / `pbkdf2_sha1` hash. */
export function parsePasslibPbkdf2(stored: string): Verifier | undefined {
  const [, scheme = '', rounds = '', salt = '', checksum = ''] = PASSLIB_PBKDF2.exec(stored) ?? [];
  const digest = PASSLIB_DIGESTS.get(scheme);
  if (!digest || !isCount(rounds, MAX_PBKDF2_ITERATIONS) || salt.length % 4 === 1) return undefined;
  if (checksum.length !== Math.ceil(((DIGEST_SIZES.get(digest) ?? 0) * 4) / 3)) return undefined;
  // Compare encoded strings, not decoded bytes: base64 decoding ignores the last character's spare bits.
  return async (password) =>
    safeEqual(ab64Encode(await derivePbkdf2(password, ab64Decode(salt), Number(rounds), digest)), checksum);
}

// Werkzeug: <method>$<salt>$<hex digest>; the salt is used as its UTF-8 string, not decoded.
const WERKZEUG = /^(pbkdf2|scrypt)((?::\w+)*)\$([^$]*)\$([0-9a-f]+)$/;

function werkzeugPbkdf2(args: string[], salt: Buffer, hex: string): Verifier | undefined {
  const [digest = 'sha256', iterations = String(WERKZEUG_IMPLICIT_ITERATIONS), ...rest] = args;
  const size = DIGEST_SIZES.get(digest);
  if (rest.length > 0 || size === undefined || hex.length !== size * 2) return undefined;
  if (!isCount(iterations, MAX_PBKDF2_ITERATIONS)) return undefined;
  return async (password) =>
    safeEqual((await derivePbkdf2(password, salt, Number(iterations), digest)).toString('hex'), hex);
}

function werkzeugScrypt(args: string[], salt: Buffer, hex: string): Verifier | undefined {
  if (args.length !== 0 && args.length !== 3) return undefined;
  const [N, r, p] = args.length === 0 ? [32768, 8, 1] : args.map(Number);
  if (N === undefined || r === undefined || p === undefined) return undefined;
  if (!args.every((arg) => isCount(arg, MAX_SCRYPT_WORK)) || N < 2 || (N & (N - 1)) !== 0) return undefined;
  // OpenSSL needs 128·r·(N + p + 2) bytes; Werkzeug's output is hashlib.scrypt's default 64 bytes.
  const maxmem = 128 * r * (N + p + 2);
  if (N * r * p > MAX_SCRYPT_WORK || maxmem > MAX_SCRYPT_MEMORY || hex.length !== 128) return undefined;
  return (password) =>
    new Promise((resolve, reject) =>
      scrypt(password, salt, 64, { N, r, p, maxmem: maxmem + 1024 }, (err, key) =>
        err ? reject(err) : resolve(safeEqual(key.toString('hex'), hex)),
      ),
    );
}

/** Parses a Werkzeug `generate_password_hash` result: `pbkdf2:sha256:N$salt$hex` or `scrypt:N:r:p$salt$hex`. */
export function parseWerkzeug(stored: string): Verifier | undefined {
  const [, method = '', params = '', salt = '', hex = ''] = WERKZEUG.exec(stored) ?? [];
  if (!method) return undefined;
  const args = params ? params.slice(1).split(':') : [];
  const saltBytes = Buffer.from(salt, 'utf8');
  return method === 'pbkdf2' ? werkzeugPbkdf2(args, saltBytes, hex) : werkzeugScrypt(args, saltBytes, hex);
}
