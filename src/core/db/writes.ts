import { createHash } from 'node:crypto';
import { runRaw, type DbOrTx, type RawStatement } from './database.ts';

/**
 * One module's share of a change written as a single statement: data-modifying CTEs (`insert …`), with
 * `$1…$n` numbered within the part and `{alias}` naming another CTE of the same part. Parts are joined into
 * one `with … select` (see `runWrites`): PostgreSQL runs every CTE to completion, atomically, in one round
 * trip and without `begin`/`commit` — the hot path of issuance writes a certificate, its audit row and its
 * webhook deliveries this way.
 */
export interface WritePart {
  /** Names the part's SQL: parts with the same key have the same `ctes` text (their values differ). */
  readonly key: string;
  readonly ctes: readonly (readonly [alias: string, sql: string])[];
  readonly values: readonly unknown[];
  /** One of the part's CTEs (it must `returning` something) whose row count `done` receives. */
  readonly counted?: string;
  /** Called after the statement succeeded. */
  readonly done?: (count: number) => void;
}

/** A time-ordered UUID (v7, RFC 9562) made by PostgreSQL: a v4 with the 48-bit millisecond time in front. */
export const SQL_UUID_V7 = `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
  substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6),
  52, 1), 53, 1), 'hex')::uuid`;

const compiled = new Map<string, RawStatement>();

/** The single statement of `parts` (cached by their keys: the text only depends on them). */
export function compileWrites(parts: readonly WritePart[]): RawStatement {
  const key = parts.map((p) => p.key).join('+');
  let statement = compiled.get(key);
  if (statement) return statement;
  const ctes: string[] = [];
  const counts: string[] = [];
  let offset = 0;
  parts.forEach((part, i) => {
    const rename = (sql: string) =>
      sql
        .replace(/\{(\w+)\}/g, (_, alias: string) => `w${i}_${alias}`)
        .replace(/\$(\d+)/g, (_, n: string) => `$${offset + Number(n)}`);
    for (const [alias, sql] of part.ctes) ctes.push(`w${i}_${alias} as (${rename(sql)})`);
    if (part.counted) counts.push(`(select count(*)::int from w${i}_${part.counted}) as c${i}`);
    offset += part.values.length;
  });
  statement = {
    name: `writes_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`,
    text: `with ${ctes.join(',\n')}\nselect ${counts.length > 0 ? counts.join(', ') : '1 as done'}`,
  };
  compiled.set(key, statement);
  return statement;
}

/**
 * Runs the parts as one statement on the database (atomic on its own) or inside a transaction, then calls
 * each part's `done` with the row count of its `counted` CTE.
 * @example await runWrites(db, [certificateRow(values), ...events.writesFor('certificate.issued', event)!])
 */
export async function runWrites(db: DbOrTx, parts: readonly WritePart[]): Promise<void> {
  if (parts.length === 0) return;
  const values = parts.flatMap((p) => p.values);
  const [row] = await runRaw<Record<string, number>>(db, compileWrites(parts), values);
  parts.forEach((part, i) => part.done?.(Number(row?.[`c${i}`] ?? 0)));
}
