// `node bench/import/run.ts [--lines N] [--runs N] [--batch-size N]`: times `bulwark accounts import` on a
// generated JSON-lines file into a fresh PostgreSQL database. Goal: 1,000,000 accounts in under 3 minutes.
// Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust); drops and recreates `bulwark_import_bench`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { connectDatabase } from '../../src/core/db/database.ts';
import { applyMigrations } from '../../src/core/db/migrations.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '2000' },
    file: { type: 'string' },
  },
});
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const FILE = values.file ?? `${os.tmpdir()}/bulwark-import-bench-${LINES}.jsonl`;
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'bulwark_import_bench';
const DB_URL = `postgres://postgres@127.0.0.1:5432/${DB_NAME}`;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// One real bcrypt hash (Python bcrypt, cost 10) for every line: the import checks the format, not the password.
const HASH = '$2b$10$5PaJB1OkGJgk5ChJc7KDi.J7ROo41GyDaEy2UdCJ.sjji13PSu0Hy';
const log = (message: string) => process.stderr.write(`[import-bench] ${message}\n`);

/** Streams the file to disk (never whole in memory), unless an earlier run left it complete. */
async function generate(): Promise<void> {
  if ((await stat(FILE).catch(() => undefined))?.isFile()) {
    log(`reusing ${FILE}`);
    return;
  }
  // Written aside and renamed when complete, so an interrupted run never leaves a short file to reuse.
  const out = createWriteStream(`${FILE}.partial`);
  const base = Date.parse('2015-01-01T00:00:00Z');
  for (let i = 0; i < LINES; i++) {
    const line = JSON.stringify({
      email: `user${i}@example.com`,
      name: `User ${i}`,
      password_hash: HASH,
      roles: i % 1000 === 0 ? ['admin', 'user'] : ['user'],
      created_at: new Date(base + i * 60_000).toISOString(),
      email_verified: i % 2 === 0,
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await rename(`${FILE}.partial`, FILE);
  log(`wrote ${FILE} (${((await stat(FILE)).size / 1e6).toFixed(0)} MB)`);
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<void> {
  await admin(`drop database if exists ${DB_NAME} with (force)`);
  await admin(`create database ${DB_NAME}`);
  const database = await connectDatabase({ url: DB_URL });
  try {
    await applyMigrations(database);
  } finally {
    await database.close();
  }
}

/** `bulwark accounts import` as main.ts dispatches it; the module's own entry until main.ts knows it. */
async function command(): Promise<string[]> {
  const help = await runNode(['src/cli/main.ts', 'help']);
  const args = ['accounts', 'import', FILE, '--batch-size', values['batch-size']];
  return help.stdout.includes('accounts import')
    ? ['src/cli/main.ts', ...args]
    : ['src/cli/import.ts', ...args.slice(2)];
}

function runNode(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: DB_URL, LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

async function countAccounts(): Promise<number> {
  const database = await connectDatabase({ url: DB_URL });
  try {
    const [row] = await database.query<{ n: number }>('select count(*)::int as n from accounts');
    return row?.n ?? 0;
  } finally {
    await database.close();
  }
}

async function timed(label: string, args: string[]): Promise<number> {
  const result = await runNode(args);
  if (result.code !== 0) throw new Error(`${label}: exit ${result.code}\n${result.stderr}`);
  log(
    `${label}: ${result.seconds.toFixed(1)} s, ${Math.round(LINES / result.seconds)} lines/s\n${result.stdout.trim()}`,
  );
  return result.seconds;
}

await generate();
const args = await command();
log(`command: node ${args.join(' ')}`);
const times: number[] = [];
let rerun = 0;
for (let run = 1; run <= RUNS; run++) {
  await freshDatabase();
  times.push(await timed(`run ${run}/${RUNS} (fresh database)`, args));
  const count = await countAccounts();
  if (count !== LINES) throw new Error(`expected ${LINES} accounts, found ${count}`);
  if (run === 1) rerun = await timed('re-run on the same database (all unchanged)', args);
}
await admin(`drop database if exists ${DB_NAME} with (force)`);
const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
const result = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
  },
  node: process.version,
  postgres: DB_URL.replace(/\/\/.*@/, '//'),
  command: `node ${args.join(' ')}`,
  lines: LINES,
  runs_seconds: times.map((t) => Number(t.toFixed(1))),
  median_seconds: Number(median.toFixed(1)),
  lines_per_second: Math.round(LINES / median),
  rerun_seconds: Number(rerun.toFixed(1)),
  goal:
    LINES >= 1_000_000
      ? median < 180
        ? 'met (< 180 s)'
        : 'MISSED (>= 180 s)'
      : 'n/a (fewer than 1,000,000 lines)',
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (LINES >= 1_000_000 && median >= 180) process.exitCode = 1;
