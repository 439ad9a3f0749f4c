import type { Database } from '../../core/db/database.ts';
import { readLines } from '../../core/import/lines.ts';
import { SeenEmails } from './import/seen-emails.ts';
import { upsertBatch } from './import/upsert.ts';
import { parseImportLine, type ImportRow } from './import/validate.ts';

/** A line the import did not apply: refused (`rejected`), or left to the account Bulwark now owns (`kept`). */
export interface ImportNotice {
  readonly line: number;
  readonly kind: 'rejected' | 'kept';
  readonly reason: string;
}

export interface ImportOptions {
  /** Rows per statement (default 2,000). */
  readonly batchSize?: number;
  /** A longer line is rejected without being held in memory (default 64 KiB). */
  readonly maxLineBytes?: number;
  /** Called for every line not applied, in line order within a batch; awaited (backpressure). */
  readonly onNotice?: (notice: ImportNotice) => void | Promise<void>;
  /** Called after each batch with the number of lines read so far. */
  readonly onProgress?: (lines: number) => void;
}

/**
 * What an import did, line by line. Every line read is counted once among the other fields, except in a
 * dry run, where a valid line is counted in `lines` only.
 */
export interface ImportSummary {
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  kept: number;
  rejected: number;
}

const KEPT =
  'kept as it is: its password was set in Bulwark since (or it has none), so the file no longer applies';
const RACED = 'kept as it is: another process created the account during the import';

/**
 * Imports accounts from JSON lines (`{email, password_hash, name?, roles?, created_at?, email_verified?}`):
 * validates each line, refuses a second line with an email already read (the first one wins, so the
 * outcome does not depend on the batch size), and upserts by email in batches. Memory stays bounded: lines
 * are read only as fast as batches are written, with at most one batch in flight while the next is parsed.
 * Re-running the same file changes nothing. Never sends mail or emits events (no welcome mail to a
 * million people). A database error rejects; the batches before it stay applied. Without a database, it
 * only validates (a dry run).
 */
export async function importAccounts(
  database: Database | undefined,
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 2000;
  const summary: ImportSummary = { lines: 0, inserted: 0, updated: 0, unchanged: 0, kept: 0, rejected: 0 };
  const seen = new SeenEmails();
  const notify = async (notice: ImportNotice) => {
    summary[notice.kind] += 1;
    await options.onNotice?.(notice);
  };
  let batch: ImportRow[] = [];
  let lineOf = new Map<string, number>();
  let inFlight: Promise<void> | undefined;

  const write = async (db: Database, rows: ImportRow[], lines: Map<string, number>) => {
    const outcome = await upsertBatch(db, rows);
    summary.inserted += outcome.inserted;
    summary.updated += outcome.updated;
    summary.unchanged += outcome.unchanged;
    const notices = [
      ...outcome.kept.map((key) => ({ line: lines.get(key) ?? 0, kind: 'kept' as const, reason: KEPT })),
      ...outcome.raced.map((key) => ({ line: lines.get(key) ?? 0, kind: 'kept' as const, reason: RACED })),
    ].sort((a, b) => a.line - b.line);
    for (const notice of notices) await notify(notice);
  };
  const flush = async () => {
    // Wait for the previous batch before sending this one: one in flight, in file order.
    await inFlight;
    inFlight = undefined;
    if (batch.length > 0 && database) {
      inFlight = write(database, batch, lineOf);
      // Its failure is reported by the next `await inFlight`; this only keeps it from counting as unhandled.
      inFlight.catch(() => undefined);
    }
    batch = [];
    lineOf = new Map();
    options.onProgress?.(summary.lines);
  };

  const now = Date.now();
  for await (const line of readLines(input, options.maxLineBytes ?? 64 * 1024)) {
    summary.lines = line.number;
    const parsed = line.problem === undefined ? parseImportLine(line.text, now) : { reason: line.problem };
    if (parsed.reason !== undefined) {
      await notify({ line: line.number, kind: 'rejected', reason: parsed.reason });
      continue;
    }
    const first = seen.add(parsed.row.key, line.number);
    if (first !== undefined) {
      await notify({
        line: line.number,
        kind: 'rejected',
        reason: `duplicate: the same email is on line ${first}`,
      });
      continue;
    }
    batch.push(parsed.row);
    lineOf.set(parsed.row.key, line.number);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await inFlight;
  return summary;
}
