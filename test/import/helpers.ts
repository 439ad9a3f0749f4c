import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { accountsImport } from '../../src/cli/import.ts';
import type { Database } from '../../src/core/db/database.ts';
import { accounts } from '../../src/db/schema/accounts.ts';

/** A real bcrypt hash (Python bcrypt 3.2.2, cost 10) of "correct horse battery staple". */
export const BCRYPT = '$2b$10$5PaJB1OkGJgk5ChJc7KDi.J7ROo41GyDaEy2UdCJ.sjji13PSu0Hy';
export const BCRYPT_2 = '$2b$10$NzK3LHCzglqb.V.5lk2m.eOKd28eg8KyYNkloGwe7ilx3cUKPtiNq';

/** A JSON line of an import file. */
export const jsonLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ password_hash: BCRYPT, ...fields });

const sink = () => {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
};

/** A directory for files the import reads or writes, removed by `cleanup`. */
export async function scratchDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-import-'));
  return {
    dir,
    file: (name: string) => path.join(dir, name),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs `bulwark accounts import` on the database; `input` is the text piped to stdin when FILE is `-`. */
export async function runImport(database: Database, argv: string[], input = '') {
  const stdout = sink();
  const stderr = sink();
  const code = await accountsImport(argv, {
    stdin: Readable.from([Buffer.from(input)]),
    stdout,
    stderr,
    database,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Writes the lines to a file and imports it. */
export async function importLines(database: Database, file: string, lines: string[], extra: string[] = []) {
  await writeFile(file, lines.map((l) => `${l}\n`).join(''));
  return runImport(database, [file, ...extra]);
}

/** The counts of the summary line: inserted, updated, unchanged, kept, rejected. */
export function counts(stdout: string) {
  const match =
    /inserted ([\d,]+), updated ([\d,]+), unchanged ([\d,]+), kept ([\d,]+), rejected ([\d,]+)/.exec(stdout);
  if (!match) throw new Error(`no summary in: ${stdout}`);
  const [inserted, updated, unchanged, kept, rejected] = match
    .slice(1)
    .map((v) => Number(v.replaceAll(',', '')));
  return { inserted, updated, unchanged, kept, rejected };
}

/** The account with this email (any case), straight from the table. */
export async function accountRow(database: Database, email: string) {
  const rows = await database.db
    .select()
    .from(accounts)
    .where(sql`lower(${accounts.email}) = lower(${email})`);
  return rows[0];
}

/** Every row of the accounts table, to compare before and after. */
export const allAccounts = (database: Database) => database.db.select().from(accounts).orderBy(accounts.id);
