import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config/config.ts';
import type { Database } from '../core/db/database.ts';
import { importAccounts, type ImportNotice, type ImportSummary } from '../modules/accounts/index.ts';
import { openMigrated } from './open-migrated.ts';

export const IMPORT_USAGE =
  'Usage: bulwark accounts import FILE|- [--rejects FILE] [--batch-size N] [--dry-run]\n' +
  '  FILE: JSON lines {email, password_hash (or hashed_password), name? (or full_name?, first_name?,\n' +
  '        last_name?), roles?, created_at?, email_verified?}; - reads stdin\n' +
  '  Exit status: 0 imported, 3 some lines rejected (listed), 1 I/O or database error, 2 usage error';

type Out = { write(chunk: string): unknown; readonly isTTY?: boolean };

export interface ImportIo {
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly stdout: Out;
  readonly stderr: Out;
  /** The environment the configuration is read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** An open database to import into instead of the configured one (tests); it is left open. */
  readonly database?: Database;
}

const SHOWN = 100;
const PROGRESS_EVERY = 100_000;
// A driver error may quote a value; whatever looks like a password hash is masked before it is printed.
const HASHES = /\$(?:2[abxy]|5|6|pbkdf2[\w-]*|argon2\w*)\$\S*|\b(?:pbkdf2|scrypt):\S*/g;
const redact = (text: string) => text.replace(HASHES, '[hash]');
const n = (value: number) => value.toLocaleString('en-US');
const lines = (count: number) => `${n(count)} line${count === 1 ? '' : 's'}`;

class UsageError extends Error {}

/** The file was read to the end, but some of its lines were not imported. */
export const EXIT_REJECTED = 3;

/**
 * `bulwark accounts import FILE`: streams JSON lines into the accounts table (see `importAccounts` for the
 * rules), then prints a summary with the rejected lines. Exit code 0 once the file was processed with no
 * line rejected; 3 when it was processed but some lines were rejected (the summary says which), so scripts
 * notice; 1 on an I/O or database error; 2 on a usage error. Never prints a hash.
 * @example bulwark accounts import users.jsonl --rejects rejected.jsonl
 */
export async function accountsImport(argv: readonly string[], io: ImportIo): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    io.stderr.write(`bulwark: ${(error as Error).message}\n${IMPORT_USAGE}\n`);
    return 2;
  }
  const { file, rejectsPath, batchSize, dryRun } = options;
  let input: FileHandle | undefined;
  let rejects: Writable | undefined;
  let database: Database | undefined;
  let summary: ImportSummary | undefined;
  let writeError: Error | undefined;
  const started = performance.now();
  const shown: Record<ImportNotice['kind'], string[]> = { rejected: [], kept: [] };
  try {
    // Files first: a typo in a path is reported before anything connects or migrates.
    input = file === '-' ? undefined : await open(file, 'r');
    rejects = rejectsPath ? (await open(rejectsPath, 'w')).createWriteStream() : undefined;
    // A write error (disk full) must end the import with exit 1, not crash it as an unhandled 'error'.
    rejects?.on('error', (error) => (writeError ??= error));
    if (!dryRun) database = io.database ?? (await openMigrated(loadConfig(io.env ?? process.env)));
    summary = await importAccounts(database, input?.createReadStream() ?? io.stdin, {
      batchSize,
      onNotice: async (notice) => {
        const list = shown[notice.kind];
        if (list.length < SHOWN) list.push(`  line ${notice.line}: ${notice.reason}`);
        if (writeError) throw writeError;
        if (rejects && notice.kind === 'rejected') {
          const ok = rejects.write(`${JSON.stringify({ line: notice.line, reason: notice.reason })}\n`);
          if (!ok) await once(rejects, 'drain');
        }
      },
      onProgress: progress(io.stderr),
    });
    if (writeError) throw writeError;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) io.stderr.write(`bulwark: ${problem}\n`);
    } else {
      const where = file === '-' ? 'standard input' : file;
      io.stderr.write(
        `bulwark: the import of ${where} stopped: ${redact((error as Error).message ?? String(error))}\n`,
      );
      io.stderr.write(
        'bulwark: the batches before the error are applied; running the import again is safe.\n',
      );
    }
    return 1;
  } finally {
    await input?.close();
    if (rejects) await new Promise((resolve) => rejects!.end(resolve));
    if (database && !io.database) await database.close();
  }
  io.stdout.write(
    report(file, summary, shown, { dryRun, rejectsPath, seconds: (performance.now() - started) / 1000 }),
  );
  return summary && summary.rejected > 0 ? EXIT_REJECTED : 0;
}

function parseOptions(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      rejects: { type: 'string' },
      'batch-size': { type: 'string', default: '2000' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError('accounts import takes one FILE (or - for standard input)');
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 20_000) {
    throw new UsageError('--batch-size takes 1..20000');
  }
  return { file: positionals[0]!, rejectsPath: values.rejects, batchSize, dryRun: values['dry-run'] };
}

/** Progress on a terminal only: a pipe or a log gets the summary alone. */
function progress(stderr: Out): ((read: number) => void) | undefined {
  if (!stderr.isTTY) return undefined;
  let next = PROGRESS_EVERY;
  return (read) => {
    if (read < next) return;
    stderr.write(`  ${lines(read)} read\n`);
    next = (Math.floor(read / PROGRESS_EVERY) + 1) * PROGRESS_EVERY;
  };
}

function report(
  file: string,
  s: ImportSummary,
  shown: Record<ImportNotice['kind'], string[]>,
  run: { dryRun: boolean; rejectsPath: string | undefined; seconds: number },
): string {
  const source = file === '-' ? 'standard input' : file;
  const out = run.dryRun
    ? [
        `Checked ${source} (dry run, nothing written): ${lines(s.lines)}, ${n(s.lines - s.rejected)} valid, ${n(s.rejected)} rejected.`,
      ]
    : [
        `Imported ${source} in ${run.seconds.toFixed(1)} s: ${lines(s.lines)} read.`,
        `  inserted ${n(s.inserted)}, updated ${n(s.updated)}, unchanged ${n(s.unchanged)}, kept ${n(s.kept)}, rejected ${n(s.rejected)}`,
      ];
  const section = (title: string, total: number, lines: string[], hint = '') => {
    if (total === 0) return;
    const more = total > lines.length ? ` (the first ${lines.length} of ${n(total)}${hint})` : '';
    out.push(`${title}${more}:`, ...lines);
  };
  const hint = run.rejectsPath ? `; all are in ${run.rejectsPath}` : '; --rejects FILE writes them all';
  section('Rejected lines', s.rejected, shown.rejected, hint);
  section('Kept accounts (not overwritten)', s.kept, shown.kept);
  return `${out.join('\n')}\n`;
}

// Runs standalone too (`node src/cli/import.ts FILE`), as the benchmark does before main.ts dispatches it.
if (import.meta.main) {
  process.exitCode = await accountsImport(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
