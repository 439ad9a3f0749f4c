import type { Db } from '../../core/db/database.ts';
import { readRecords, type RecordFormat } from '../../core/import/records.ts';
import { Compile } from 'typebox/compile';
import { newId } from '../../core/ids.ts';
import { refreshPopularity } from './catalog.popularity.ts';
import * as repo from './catalog.repository.ts';
import { ItemInput } from './catalog.schemas.ts';
import { itemValues } from './catalog.view.ts';

export interface ImportOptions {
  readonly batchRows: number;
  readonly maxLineBytes: number;
  /** Called after each batch with the number of records read so far. */
  readonly onProgress?: (lines: number) => void;
}

export interface ItemImportReport {
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: Array<{ line: number; message: string }>;
}

/** How many rejected lines a report lists (the count covers them all). */
export const MAX_REPORTED_ERRORS = 100;

const checkItem = Compile(ItemInput);

/**
 * Imports items from CSV (columns `external_id,kind,title,description,genres,year,attributes`; genres
 * separated by `|`, attributes as JSON) or NDJSON (the `POST /v1/items` shape). Streams: one batch of
 * `batchRows` in memory at a time. Every line needs an `external_id`, on which it upserts, so running an
 * import again changes nothing. A bad line is reported with its number and skipped; the others land.
 */
export async function importItems(
  db: Db,
  input: AsyncIterable<Buffer | string>,
  format: RecordFormat,
  options: ImportOptions,
): Promise<ItemImportReport> {
  const report: ItemImportReport = {
    lines: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    errors: [],
  };
  const reject = (line: number, message: string) => {
    report.rejected++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, message });
  };
  let batch = new Map<string, repo.NewItem>();
  const flush = async () => {
    if (batch.size === 0) return;
    const { inserted, updated } = await repo.upsertItems(db, [...batch.values()]);
    report.inserted += inserted;
    report.updated += updated;
    report.unchanged += batch.size - inserted - updated;
    batch = new Map();
    options.onProgress?.(report.lines);
  };
  for await (const record of readRecords(input, format, options.maxLineBytes)) {
    report.lines++;
    if (record.problem !== undefined) {
      reject(record.line, record.problem);
      continue;
    }
    const item = format === 'csv' ? fromCsv(record.fields) : record.fields;
    if (typeof item === 'string') {
      reject(record.line, item);
      continue;
    }
    const problem = invalid(item);
    if (problem) {
      reject(record.line, problem);
      continue;
    }
    const valid = item as ItemInput & { external_id: string };
    // The same external_id twice in one statement cannot be upserted: the earlier line goes first.
    if (batch.has(valid.external_id)) await flush();
    batch.set(valid.external_id, { id: newId(), ...itemValues(valid) });
    if (batch.size >= options.batchRows) await flush();
  }
  await flush();
  if (report.inserted + report.updated > 0) await refreshPopularity(db);
  return report;
}

function invalid(item: Record<string, unknown>): string | undefined {
  if (typeof item.external_id !== 'string') return 'external_id: required (imports upsert on it)';
  if (checkItem.Check(item)) return undefined;
  const first = checkItem.Errors(item)[0];
  if (!first) return 'not a valid item';
  const where = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'line';
  return `${where}: ${first.message}`;
}

/** A CSV row's strings as the JSON shape: year a number, genres split on `|`, attributes parsed. */
function fromCsv(fields: Record<string, unknown>): Record<string, unknown> | string {
  const item: Record<string, unknown> = { ...fields };
  if (typeof fields.year === 'string') {
    if (!/^\d{1,4}$/.test(fields.year)) return 'year: not a year';
    item.year = Number(fields.year);
  }
  if (typeof fields.genres === 'string')
    item.genres = fields.genres
      .split('|')
      .map((g) => g.trim())
      .filter((g) => g !== '');
  if (typeof fields.attributes === 'string') {
    try {
      item.attributes = JSON.parse(fields.attributes);
    } catch {
      return 'attributes: not valid JSON';
    }
  }
  return item;
}
