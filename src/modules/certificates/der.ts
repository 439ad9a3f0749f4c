/**
 * A minimal DER writer and reader. Certificates, CRLs and OCSP responses are encoded here rather than with
 * `@peculiar/x509`: building a certificate through its object model costs ≈ 3.5 ms of CPU, which alone caps
 * issuance near 500/s, while concatenating a few buffers costs microseconds. The writer only produces what
 * X.509 needs; the reader only walks TLVs (definite lengths, as DER requires).
 */

/** A tag-length-value with its contents already encoded. */
export function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let header: Buffer;
  if (n < 0x80) header = Buffer.from([tag, n]);
  else if (n < 0x100) header = Buffer.from([tag, 0x81, n]);
  else if (n < 0x10000) header = Buffer.from([tag, 0x82, n >> 8, n & 0xff]);
  else if (n < 0x1000000) header = Buffer.from([tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  else header = Buffer.from([tag, 0x84, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([header, content]);
}

/** @example seq(integer(1), oid('2.5.4.3')) */
export const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
/** `[n]` EXPLICIT (constructed context tag). */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** `[n]` IMPLICIT over a primitive value. */
export const implicit = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);
export const octets = (content: Buffer): Buffer => tlv(0x04, content);
export const bitString = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
export const NULL = Buffer.from([0x05, 0x00]);
export const TRUE = Buffer.from([0x01, 0x01, 0xff]);
export const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
export const printable = (text: string): Buffer => tlv(0x13, Buffer.from(text, 'ascii'));
export const ia5 = (text: string): Buffer => tlv(0x16, Buffer.from(text, 'ascii'));

/** An unsigned big-endian magnitude as a DER INTEGER (minimal, with a 0x00 pad when the top bit is set). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const body = magnitude.subarray(start);
  return tlv(0x02, body[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

export function integer(value: number | bigint): Buffer {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return unsignedInteger(Buffer.from(hex, 'hex'));
}

export const enumerated = (value: number): Buffer => tlv(0x0a, Buffer.from([value]));

const oidCache = new Map<string, Buffer>();
/** An OBJECT IDENTIFIER from its dotted form (memoized: the same few OIDs recur in every certificate). */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  const encoded = tlv(0x06, Buffer.from(bytes));
  oidCache.set(dotted, encoded);
  return encoded;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5), to the second. */
export function x509Time(date: Date): Buffer {
  const y = date.getUTCFullYear();
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return y < 2050 ? tlv(0x17, Buffer.from(`${pad(y % 100)}${rest}`)) : generalizedTime(date);
}

export function generalizedTime(date: Date): Buffer {
  const text = `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(0x18, Buffer.from(text));
}

/** A decoded TLV: `content` and `raw` (header included) are views into the input. */
export interface Node {
  readonly tag: number;
  readonly content: Buffer;
  readonly raw: Buffer;
}

/** Reads the TLV at `offset`; throws on truncated or indefinite-length input. */
export function readNode(input: Buffer, offset = 0): Node {
  if (offset + 2 > input.length) throw new DerError('truncated');
  const tag = input[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let length = input[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported length');
    if (offset + 2 + count > input.length) throw new DerError('truncated');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + input[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > input.length) throw new DerError('truncated');
  return { tag, content: input.subarray(offset + header, end), raw: input.subarray(offset, end) };
}

/** The children of a constructed node. */
export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = readNode(node.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

/** Parses a whole buffer as one TLV (nothing may follow it). */
export function parseDer(input: Buffer): Node {
  const node = readNode(input);
  if (node.raw.length !== input.length) throw new DerError('trailing data');
  return node;
}

export function expectTag(node: Node | undefined, tag: number, what: string): Node {
  if (!node || node.tag !== tag) throw new DerError(`expected ${what}`);
  return node;
}

/** The dotted form of an OBJECT IDENTIFIER node. */
export function readOid(node: Node): string {
  expectTag(node, 0x06, 'an object identifier');
  const bytes = node.content;
  if (bytes.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [Math.min(2, Math.floor(bytes[0]! / 40)), 0];
  arcs[1] = bytes[0]! - arcs[0]! * 40;
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

export class DerError extends Error {
  constructor(message: string) {
    super(`Malformed DER: ${message}`);
    this.name = 'DerError';
  }
}

/** PEM armour of DER bytes, 64 columns. */
export function toPem(der: Buffer, label: string): string {
  const base64 = der.toString('base64');
  let body = '';
  for (let i = 0; i < base64.length; i += 64) body += `${base64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Every block with `label` in a PEM text, decoded. */
export function fromPem(pem: string, label: string): Buffer[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  return [...pem.matchAll(pattern)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}
