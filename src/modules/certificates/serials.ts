import { randomBytes } from 'node:crypto';

/**
 * A fresh serial: 128 random bits, read as a positive integer (DER adds a 0x00 when the top bit is set).
 * Uniqueness is enforced by the database's unique index, not assumed.
 * @example const { magnitude, hex } = newSerial()
 */
export function newSerial(): { magnitude: Buffer; hex: string } {
  for (;;) {
    const magnitude = randomBytes(16);
    const hex = serialHex(magnitude);
    if (hex !== '') return { magnitude, hex };
  }
}

/** The canonical lowercase hex of a serial's magnitude: leading zero bytes dropped (how rows are keyed). */
export function serialHex(magnitude: Buffer): string {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  return magnitude.subarray(start).toString('hex');
}
