import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random opaque token of `bytes` bytes (default 32 = 256 bits), base64url. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** SHA-256 (hex) of a high-entropy token: enough to store it, since it cannot be guessed. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Compares two strings in constant time (for equal lengths). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
