import { readLines } from './lines.ts';

export type RecordFormat = 'csv' | 'ndjson';

/** One record of an import: its 1-based line number, and its fields or why it has none. */
export type ImportRecord =
  | { readonly line: number; readonly fields: Record<string, unknown>; readonly problem?: undefined }
  | { readonly line: number; readonly fields?: undefined; readonly problem: string };

/** The media types an import route takes, and the format each names. */
export const IMPORT_MEDIA_TYPES: Readonly<Record<string, RecordFormat>> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

/** The format of a `content-type` header (parameters such as `charset` ignored), or undefined. */
export function formatOf(contentType: string | undefined): RecordFormat | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return IMPORT_MEDIA_TYPES[type];
}

/**
 * Streams an import body as records, one per line, with bounded memory (a line longer than `maxLineBytes`
 * is reported, never buffered). NDJSON: one JSON object per line. CSV (RFC 4180 on one line: quoted fields
 * with `""`; a field cannot span lines): the first line names the columns, empty fields are absent. Blank
 * lines are skipped.
 * @example for await (const r of readRecords(request.body, 'csv', 64 * 1024)) if (r.problem) …
 */
export async function* readRecords(
  input: AsyncIterable<Buffer | string>,
  format: RecordFormat,
  maxLineBytes: number,
): AsyncGenerator<ImportRecord, void, undefined> {
  let header: string[] | undefined;
  for await (const line of readLines(input, maxLineBytes)) {
    if (line.problem !== undefined) {
      yield { line: line.number, problem: line.problem };
      continue;
    }
    if (line.text.trim() === '') continue;
    if (format === 'ndjson') {
      yield parseJsonLine(line.number, line.text);
      continue;
    }
    const cells = parseCsvLine(line.text);
    if (typeof cells === 'string') {
      yield { line: line.number, problem: cells };
      if (!header) return; // without a header no line can be read
      continue;
    }
    if (!header) {
      header = cells.map((c) => c.trim());
      continue;
    }
    if (cells.length !== header.length) {
      yield { line: line.number, problem: `${cells.length} fields where the header names ${header.length}` };
      continue;
    }
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < cells.length; i++) if (cells[i] !== '') fields[header[i]!] = cells[i];
    yield { line: line.number, fields };
  }
}

function parseJsonLine(line: number, text: string): ImportRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, problem: 'not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { line, problem: 'not a JSON object' };
  return { line, fields: value as Record<string, unknown> };
}

/** The cells of one CSV line, or what is wrong with it. */
export function parseCsvLine(text: string): string[] | string {
  // The common case (no quotes) without a character loop.
  if (!text.includes('"')) return text.split(',');
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) return 'an unterminated quoted field';
        cell += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          cell += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      cells.push(cell);
      if (i === text.length) return cells;
      if (text[i] !== ',') return 'text after a closing quote';
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const cell = comma === -1 ? text.slice(i) : text.slice(i, comma);
      if (cell.includes('"')) return 'a quote inside an unquoted field';
      cells.push(cell);
      if (comma === -1) return cells;
      i = comma + 1;
    }
  }
}
