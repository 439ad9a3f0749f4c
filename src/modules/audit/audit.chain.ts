import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a row's hash covers: every column but `prev_hash` (chained separately) and `hash` itself. */
export interface AuditContent {
  readonly seq: number;
  readonly id: string;
  readonly occurredAt: Date;
  readonly action: string;
  readonly actorId: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
  readonly target: string;
  readonly details: Record<string, unknown>;
}

/**
 * The canonical form of a row (version 1): RFC 8785 JSON Canonicalization Scheme (JCS: keys sorted by UTF-16
 * code units, no whitespace, ECMAScript number and string forms) of
 * `{v: 1, seq, id, occurred_at, action, actor_id, request_id, ip, target, details}`, where `occurred_at` is
 * RFC 3339 UTC with milliseconds (`toISOString()`), absent values are `null`, and `details` is the JSON
 * object as stored. Anyone can recompute it from a row with any JCS library.
 * @example canonicalContent(row) // '{"action":"certificate.issued","actor_id":null,…,"v":1}'
 */
export function canonicalContent(row: AuditContent): string {
  const text = canonicalize({
    v: 1,
    seq: row.seq,
    id: row.id,
    occurred_at: row.occurredAt.toISOString(),
    action: row.action,
    actor_id: row.actorId,
    request_id: row.requestId,
    ip: row.ip,
    target: row.target,
    details: row.details,
  });
  if (text === undefined) throw new Error('audit row cannot be canonicalized');
  return text;
}

/**
 * A row's hash: lowercase hex SHA-256 over the UTF-8 bytes of the previous row's hash (64 hex characters,
 * GENESIS_HASH for the first row) immediately followed by the row's canonical content.
 * @example chainHash(GENESIS_HASH, row)
 */
export function chainHash(prevHash: string, row: AuditContent): string {
  return createHash('sha256').update(prevHash).update(canonicalContent(row)).digest('hex');
}
