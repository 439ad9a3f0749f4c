import type { Issuer } from './ca.authority.ts';
import { enumerated, explicit, integer, octets, oid, seq, tlv, x509Time } from './der.ts';
import { authorityKeyIdentifierExtension, signed } from './x509.encoder.ts';

/** RFC 5280 §5.3.1 reason codes by name. */
export const REASON_CODES: Readonly<Record<string, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

export interface RevokedEntry {
  readonly serial: string;
  /** Seconds since the epoch. */
  readonly revokedAt: number;
  readonly reason: string | null;
}

// The reasonCode entry extension for each code, encoded once (`unspecified` is left out, as §5.3.1 advises).
const reasonExtension = new Map<string, Buffer>(
  Object.entries(REASON_CODES).map(([name, code]) => [
    name,
    seq(seq(oid('2.5.29.21'), octets(enumerated(code)))),
  ]),
);

/**
 * The revokedCertificates entries written straight into one buffer: at 100,000 entries, building each TLV as
 * its own Buffer (five allocations and copies per entry) is what costs, not the signature. Every entry is
 * short (< 128 bytes), so its lengths are single bytes. Serials are canonical hex (no leading zero byte).
 */
function encodeEntries(entries: readonly RevokedEntry[]): Buffer {
  const out = Buffer.allocUnsafe(entries.length * 64);
  const date = new Date(0);
  let at = 0;
  for (const entry of entries) {
    date.setTime(entry.revokedAt * 1000);
    const year = date.getUTCFullYear();
    const timeLength = year < 2050 ? 15 : 17;
    const reason =
      entry.reason && entry.reason !== 'unspecified' ? reasonExtension.get(entry.reason) : undefined;
    const serialLength = entry.serial.length >> 1;
    const pad = parseInt(entry.serial.slice(0, 2), 16) & 0x80 ? 1 : 0;
    const integerLength = serialLength + pad;
    out[at++] = 0x30;
    out[at++] = 2 + integerLength + timeLength + (reason?.length ?? 0);
    out[at++] = 0x02;
    out[at++] = integerLength;
    if (pad) out[at++] = 0;
    at += out.write(entry.serial, at, 'hex');
    at = writeTime(out, at, date, year);
    if (reason) at += reason.copy(out, at);
  }
  return out.subarray(0, at);
}

/**
 * The encoded entries of the last CRL, by serial, revocation time and reason: a rebuild after one more
 * revocation encodes that one entry and copies the other 99,999 (views into the previous build's buffer).
 * Entries no longer revoked (released holds) drop out at the next build.
 * @example const cache = new RevokedEntryCache(); encodeCrl(issuer, entries, meta, cache)
 */
export class RevokedEntryCache {
  private encoded = new Map<string, Buffer>();

  /** The revokedCertificates content for `entries`, in their order. */
  encode(entries: readonly RevokedEntry[]): Buffer {
    const next = new Map<string, Buffer>();
    const parts: (Buffer | undefined)[] = new Array<Buffer | undefined>(entries.length);
    const missing: number[] = [];
    const keys: string[] = new Array<string>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const key = `${entry.serial}/${entry.revokedAt}/${entry.reason ?? ''}`;
      keys[i] = key;
      const known = this.encoded.get(key);
      if (known) parts[i] = known;
      else missing.push(i);
    }
    if (missing.length > 0) {
      const fresh = encodeEntries(missing.map((i) => entries[i]!));
      let at = 0;
      for (const i of missing) {
        const length = 2 + fresh[at + 1]!; // every entry's length is one byte (see encodeEntries)
        parts[i] = fresh.subarray(at, at + length);
        at += length;
      }
    }
    let total = 0;
    for (let i = 0; i < entries.length; i++) {
      next.set(keys[i]!, parts[i]!);
      total += parts[i]!.length;
    }
    this.encoded = next;
    return Buffer.concat(parts as Buffer[], total);
  }
}

/** UTCTime (before 2050) or GeneralizedTime, written digit by digit: the same bytes as `x509Time`. */
function writeTime(out: Buffer, start: number, date: Date, year: number): number {
  let at = start;
  const two = (n: number) => {
    out[at++] = 0x30 + Math.floor(n / 10);
    out[at++] = 0x30 + (n % 10);
  };
  if (year < 2050) {
    out[at++] = 0x17;
    out[at++] = 13;
  } else {
    out[at++] = 0x18;
    out[at++] = 15;
    two(Math.floor(year / 100));
  }
  two(year % 100);
  two(date.getUTCMonth() + 1);
  two(date.getUTCDate());
  two(date.getUTCHours());
  two(date.getUTCMinutes());
  two(date.getUTCSeconds());
  out[at++] = 0x5a; // Z
  return at;
}

/**
 * A signed X.509 v2 CRL (DER). Encoded by hand: at 100,000 entries an object model costs seconds, while this
 * is a few buffer writes per entry.
 * @example encodeCrl(issuer, entries, { number: 7, thisUpdate, nextUpdate })
 */
export function encodeCrl(
  issuer: Issuer,
  entries: readonly RevokedEntry[],
  meta: { number: number; thisUpdate: Date; nextUpdate: Date },
  cache?: RevokedEntryCache,
): Buffer {
  const revoked =
    entries.length > 0 ? [tlv(0x30, cache ? cache.encode(entries) : encodeEntries(entries))] : [];
  const tbs = seq(
    integer(1),
    issuer.algorithm.identifier,
    issuer.subject,
    x509Time(meta.thisUpdate),
    x509Time(meta.nextUpdate),
    ...revoked,
    explicit(
      0,
      seq(authorityKeyIdentifierExtension(issuer.keyId), seq(oid('2.5.29.20'), octets(integer(meta.number)))),
    ),
  );
  return signed(tbs, issuer.key, issuer.algorithm);
}
