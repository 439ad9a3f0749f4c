import type { Db } from '../../core/db/database.ts';
import { isUuid } from '../../core/ids.ts';
import { readRecords, type RecordFormat } from '../../core/import/records.ts';
import { FEEDBACK_TYPES, type FeedbackType } from '../../db/schema/feedback.ts';
import { refreshPopularity } from '../catalog/index.ts';
import { externalUserKey } from './feedback.reader.ts';
import * as repo from './feedback.repository.ts';

export interface FeedbackImportOptions {
  readonly batchRows: number;
  readonly maxLineBytes: number;
  readonly onProgress?: (lines: number) => void;
}

export interface FeedbackImportReport {
  lines: number;
  recorded: number;
  rejected: number;
  errors: Array<{ line: number; message: string }>;
}

const MAX_REPORTED_ERRORS = 100;
// Lookups are cached across batches, up to this many entries (then forgotten), to keep memory bounded.
const MAX_CACHED = 200_000;
// Control characters and lone surrogates, as SafeString refuses them (PostgreSQL refuses NUL in text).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]/u;
const TYPES = new Set<string>(FEEDBACK_TYPES);

/** A line checked on its own; the item and account are checked per batch against the database. */
interface Parsed {
  readonly line: number;
  readonly accountId?: string;
  readonly externalUser?: string;
  readonly itemId?: string;
  readonly externalId?: string;
  readonly type: FeedbackType;
  readonly value: number | null;
  readonly at: Date;
}

/**
 * Imports history: CSV (header `account_id,external_user,item_id,external_id,type,value,at`, any order,
 * unused columns may be left out) or NDJSON with those fields. Each line names a user (`account_id` of a
 * live account, or `external_user`, a user who is not an account) and an item (`item_id`, or its
 * `external_id`). `at` is RFC 3339 or Unix seconds (default: now). Streamed in batches of `batchRows`
 * (one transaction each); a line already applied is applied again to the same effect (ratings and
 * likes by `at`), but views add up. A bad line is reported with its number and skipped. The items' rating
 * counters are recounted once at the end (rather than moved in every batch), then popularity refreshed.
 */
export async function importFeedback(
  db: Db,
  input: AsyncIterable<Buffer | string>,
  format: RecordFormat,
  options: FeedbackImportOptions,
): Promise<FeedbackImportReport> {
  const report: FeedbackImportReport = { lines: 0, recorded: 0, rejected: 0, errors: [] };
  const reject = (line: number, message: string) => {
    report.rejected++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, message });
  };
  const items = new Map<string, string | null>(); // item_id or `x:`external_id → item id, null when unknown
  const accounts = new Map<string, boolean>();
  const now = new Date();
  let batch: Parsed[] = [];
  let ratingsChanged = false;

  // One batch is written while the next is read and parsed: the database and the parser overlap, and
  // memory holds at most two batches.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    await writing;
    writing = write(current);
    // A failed write must not go unobserved while the next batch is parsed; it is rethrown at the next flush.
    writing.catch(() => undefined);
  };
  const write = async (current: Parsed[]) => {
    if (items.size > MAX_CACHED) items.clear();
    if (accounts.size > MAX_CACHED) accounts.clear();
    await resolve(db, current, items, accounts);
    const writes: repo.FeedbackWrite[] = [];
    for (const p of current) {
      const itemId = p.itemId !== undefined ? items.get(p.itemId) : items.get(`x:${p.externalId}`);
      if (!itemId) {
        reject(p.line, p.itemId !== undefined ? 'item_id: no such item' : 'external_id: no such item');
        continue;
      }
      if (p.accountId !== undefined && !accounts.get(p.accountId)) {
        reject(p.line, 'account_id: no such account');
        continue;
      }
      const userKey = p.accountId ?? externalUserKey(p.externalUser!);
      writes.push({ userKey, itemId, type: p.type, value: p.value, at: p.at });
      if (p.type === 'rating') ratingsChanged = true;
    }
    await repo.writeFeedback(db, repo.mergeWrites(writes), { bulk: true });
    report.recorded += writes.length;
    options.onProgress?.(report.lines);
  };

  try {
    for await (const record of readRecords(input, format, options.maxLineBytes)) {
      report.lines++;
      if (record.problem !== undefined) {
        reject(record.line, record.problem);
        continue;
      }
      const parsed = parseLine(record.line, record.fields, now);
      if (typeof parsed === 'string') {
        reject(record.line, parsed);
        continue;
      }
      batch.push(parsed);
      if (batch.length >= options.batchRows) await flush();
    }
    await flush();
    await writing;
  } finally {
    // The batches written so far count, even when a later one failed.
    if (ratingsChanged) {
      await writing.catch(() => undefined);
      await repo.recountRatings(db);
      await refreshPopularity(db);
    }
  }
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}

/** Looks up the batch's items and accounts that are not cached yet. */
async function resolve(
  db: Db,
  batch: readonly Parsed[],
  items: Map<string, string | null>,
  accounts: Map<string, boolean>,
): Promise<void> {
  const ids = new Set<string>();
  const externals = new Set<string>();
  const accountIds = new Set<string>();
  for (const p of batch) {
    if (p.itemId !== undefined && !items.has(p.itemId)) ids.add(p.itemId);
    if (p.externalId !== undefined && !items.has(`x:${p.externalId}`)) externals.add(p.externalId);
    if (p.accountId !== undefined && !accounts.has(p.accountId)) accountIds.add(p.accountId);
  }
  const found = await repo.existingItemIds(db, [...ids]);
  for (const id of ids) items.set(id, found.has(id) ? id : null);
  const byExternal = await repo.itemIdsByExternalId(db, [...externals]);
  for (const ext of externals) items.set(`x:${ext}`, byExternal.get(ext) ?? null);
  const live = await repo.existingAccountIds(db, [...accountIds]);
  for (const id of accountIds) accounts.set(id, live.has(id));
}

const text = (value: string | number | null | undefined): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value);

/** Checks one line's fields (CSV strings or JSON values) and types them, or says what is wrong. */
export function parseLine(line: number, record: Record<string, unknown>, now: Date): Parsed | string {
  for (const [key, value] of Object.entries(record))
    if (value !== null && typeof value !== 'string' && typeof value !== 'number')
      return `${key}: a string or a number`;
  const fields = record as Record<string, string | number | null | undefined>;
  const accountId = text(fields.account_id);
  const externalUser = text(fields.external_user);
  if ((accountId === undefined) === (externalUser === undefined))
    return 'give one of account_id and external_user';
  if (accountId !== undefined && !isUuid(accountId)) return 'account_id: not a UUID';
  if (externalUser !== undefined && (externalUser.length > 200 || CONTROL.test(externalUser)))
    return 'external_user: at most 200 characters, no control characters';
  const itemId = text(fields.item_id);
  const externalId = text(fields.external_id);
  if ((itemId === undefined) === (externalId === undefined)) return 'give one of item_id and external_id';
  if (itemId !== undefined && !isUuid(itemId)) return 'item_id: not a UUID';
  if (externalId !== undefined && (externalId.length > 200 || CONTROL.test(externalId)))
    return 'external_id: at most 200 characters, no control characters';
  const type = text(fields.type);
  if (type === undefined || !TYPES.has(type)) return 'type: one of view, like, dislike, rating';
  const rawValue = text(fields.value);
  const value = rawValue === undefined ? undefined : Number(rawValue);
  let stored: number | null = null;
  if (type === 'rating') {
    if (value === undefined || !Number.isFinite(value) || value < 0 || value > 5)
      return 'value: a rating is a number 0..5';
    stored = value;
  } else if (type === 'view') {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 1_000_000))
      return 'value: a view count is an integer 1..1000000';
    stored = value ?? 1;
  } else if (value !== undefined) return `value: a ${type} takes no value`;
  const at = parseAt(fields.at, now);
  if (!at) return 'at: an RFC 3339 time or Unix seconds';
  return {
    line,
    ...(accountId !== undefined ? { accountId: accountId.toLowerCase() } : { externalUser }),
    ...(itemId !== undefined ? { itemId: itemId.toLowerCase() } : { externalId }),
    type: type as FeedbackType,
    value: stored,
    at,
  };
}

function parseAt(raw: string | number | null | undefined, now: Date): Date | undefined {
  const value = text(raw);
  if (value === undefined) return now;
  const at = /^\d{1,12}$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  const time = at.getTime();
  // Dates PostgreSQL can store and a person would mean: from 1900 to a day ahead.
  if (Number.isNaN(time) || time < -2_208_988_800_000 || time > now.getTime() + 86_400_000) return undefined;
  if (!/^\d/.test(value)) return undefined;
  return at;
}
