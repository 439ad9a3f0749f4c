import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config/config.ts';
import type { Database } from '../core/db/database.ts';
import type { RecordFormat } from '../core/import/records.ts';
import { importItems } from '../modules/catalog/index.ts';
import { importFeedback } from '../modules/feedback/index.ts';
import { openMigrated } from './open-migrated.ts';

export const ITEMS_USAGE =
  'Usage: bulwark items import FILE [--format csv|ndjson]\n' +
  '       bulwark feedback import FILE [--format csv|ndjson]\n' +
  '  FILE: CSV with a header line, or JSON lines (the format follows the extension unless --format says)\n' +
  '  Exit status: 0 imported, 3 some lines rejected (listed), 1 I/O or database error, 2 usage error';

type Out = { write(chunk: string): unknown; readonly isTTY?: boolean; readonly columns?: number };

export interface ItemsIo {
  readonly stdout: Out;
  readonly stderr: Out;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** An open database to import into instead of the configured one (tests); it is left open. */
  readonly database?: Database;
}

/**
 * `bulwark items import FILE` and `bulwark feedback import FILE`: the same streamed imports as the HTTP
 * routes, with a progress bar on a terminal (bytes read of the file's size), then a summary and the
 * rejected lines. Exit 0, or 3 when some lines were rejected; 1 on an I/O or database error; 2 on usage.
 * @example bulwark items import catalogue.csv
 */
export async function importCommand(
  what: 'items' | 'feedback',
  argv: readonly string[],
  io: ItemsIo,
): Promise<number> {
  let file: string;
  let format: RecordFormat;
  try {
    ({ file, format } = parseOptions(argv));
  } catch (error) {
    io.stderr.write(`bulwark: ${(error as Error).message}\n${ITEMS_USAGE}\n`);
    return 2;
  }
  let database: Database | undefined;
  const input = await open(file, 'r').catch((error: Error) => error);
  if (input instanceof Error) {
    io.stderr.write(`bulwark: cannot read ${file}: ${input.message}\n`);
    return 1;
  }
  try {
    const size = (await input.stat()).size;
    const config = loadConfig(io.env ?? process.env);
    database = io.database ?? (await openMigrated(config));
    const bar = progressBar(io.stderr, size);
    const counted = input.createReadStream().pipe(bar.counter);
    const started = performance.now();
    const options = {
      batchRows: config.catalog.importBatchRows,
      maxLineBytes: config.catalog.importMaxLineBytes,
      onProgress: bar.update,
    };
    const report =
      what === 'items'
        ? await importItems(database.db, counted, format, options)
        : await importFeedback(database.db, counted, format, options);
    bar.done();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const counts = Object.entries(report)
      .filter(([key]) => key !== 'errors' && key !== 'lines')
      .map(([key, value]) => `${key} ${Number(value).toLocaleString('en-US')}`)
      .join(', ');
    io.stdout.write(
      `Imported ${file} in ${seconds} s: ${report.lines.toLocaleString('en-US')} lines read.\n  ${counts}\n`,
    );
    if (report.errors.length > 0) {
      io.stdout.write(
        `Rejected lines${report.rejected > report.errors.length ? ` (the first ${report.errors.length})` : ''}:\n`,
      );
      for (const e of report.errors) io.stdout.write(`  line ${e.line}: ${e.message}\n`);
    }
    return report.rejected > 0 ? 3 : 0;
  } catch (error) {
    if (error instanceof ConfigError)
      for (const problem of error.problems) io.stderr.write(`bulwark: ${problem}\n`);
    else io.stderr.write(`bulwark: the import of ${file} stopped: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await input.close();
    if (database && !io.database) await database.close();
  }
}

function parseOptions(argv: readonly string[]): { file: string; format: RecordFormat } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { format: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new Error('import takes one FILE');
  const file = positionals[0]!;
  const format = values.format ?? (/\.(ndjson|jsonl|json)$/i.test(file) ? 'ndjson' : 'csv');
  if (format !== 'csv' && format !== 'ndjson') throw new Error('--format takes csv or ndjson');
  return { file, format };
}

/** A progress bar on a terminal (nothing on a pipe): bytes read of the file, and lines imported. */
function progressBar(out: Out, size: number) {
  let read = 0;
  let lines = 0;
  let last = 0;
  const draw = (force = false) => {
    if (!out.isTTY) return;
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const fraction = size > 0 ? Math.min(1, read / size) : 1;
    const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 40));
    const filled = Math.round(fraction * width);
    out.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${lines.toLocaleString('en-US')} lines`,
    );
  };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      read += chunk.length;
      draw();
      callback(null, chunk);
    },
  });
  return {
    counter,
    update: (n: number) => {
      lines = n;
      draw();
    },
    done: () => {
      draw(true);
      if (out.isTTY) out.write('\n');
    },
  };
}
