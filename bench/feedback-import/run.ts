// `node bench/feedback-import/run.ts [--lines N] [--runs N]`: times `POST /v1/feedback/import` (CSV, streamed
// over a real HTTP connection) into a fresh PostgreSQL database holding 2,000 items. Goal: 1,000,000 rows in
// under 60 s. Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust); drops and recreates
// `bulwark_feedback_bench`. Then re-imports the same file (every row already there) and times that too.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { eq } from 'drizzle-orm';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { connectDatabase } from '../../src/core/db/database.ts';
import { applyMigrations } from '../../src/core/db/migrations.ts';
import { accounts } from '../../src/db/schema/index.ts';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
});
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const ITEMS = 2000;
const PER_USER = 100;
const FILE = `${os.tmpdir()}/bulwark-feedback-bench-${LINES}.csv`;
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'bulwark_feedback_bench';
const DB_URL = `postgres://postgres@127.0.0.1:5432/${DB_NAME}`;
const log = (message: string) => process.stderr.write(`[feedback-import] ${message}\n`);

/** 100 rows per external user over 2,000 items: 70 % ratings, 20 % views, 10 % likes and dislikes. */
async function generate(): Promise<void> {
  if ((await stat(FILE).catch(() => undefined))?.isFile()) {
    log(`reusing ${FILE}`);
    return;
  }
  const out = createWriteStream(`${FILE}.partial`);
  out.write('external_user,external_id,type,value,at\n');
  const base = Date.parse('2020-01-01T00:00:00Z') / 1000;
  for (let i = 0; i < LINES; i++) {
    const user = Math.floor(i / PER_USER);
    const item = (user * 37 + (i % PER_USER) * 13) % ITEMS;
    const r = (i * 2654435761) % 100;
    const [type, value] =
      r < 70
        ? ['rating', String(1 + (r % 5))]
        : r < 90
          ? ['view', '']
          : r < 95
            ? ['like', '']
            : ['dislike', ''];
    const line = `u${user},item-${item},${type},${value},${base + i}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await rename(`${FILE}.partial`, FILE);
  log(`wrote ${FILE} (${((await stat(FILE)).size / 1e6).toFixed(0)} MB)`);
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function post(port: number, token: string): Promise<{ seconds: number; body: unknown }> {
  const started = performance.now();
  const body = await new Promise<string>((resolve, reject) => {
    const request = http.request(
      {
        port,
        method: 'POST',
        path: '/v1/feedback/import',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          response.statusCode === 200 ? resolve(text) : reject(new Error(`${response.statusCode} ${text}`)),
        );
      },
    );
    request.on('error', reject);
    createReadStream(FILE).pipe(request);
  });
  return { seconds: (performance.now() - started) / 1000, body: JSON.parse(body) };
}

async function run(): Promise<{ fresh: number; rerun: number; rows: number }> {
  await adminQuery(`drop database if exists ${DB_NAME} with (force)`);
  await adminQuery(`create database ${DB_NAME}`);
  const database = await connectDatabase({ url: DB_URL, poolSize: 10 });
  await applyMigrations(database);
  await database.query(
    `insert into items (id, external_id, kind, title, genres)
     select gen_random_uuid(), 'item-' || i, 'movie', 'Item ' || i, array['g' || (i % 20)] from generate_series(0, ${ITEMS - 1}) i`,
  );
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PUBLIC_URL: 'http://bulwark.bench',
    DATA_DIR: os.tmpdir(),
    MASTER_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: DB_URL,
  });
  const app = await buildApp({ config, database, masterKey: randomBytes(32), startWorker: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const email = 'bench-admin@example.com';
    const password = 'Tr0ub4dor&3-horse-staple';
    const registered = await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password },
    });
    await database.db
      .update(accounts)
      .set({ roles: ['admin', 'user'] })
      .where(eq(accounts.id, registered.json().user.id));
    const grant = await app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: email, password },
    });
    const token = grant.json().access_token as string;
    const { port } = app.server.address() as AddressInfo;
    const fresh = await post(port, token);
    log(`fresh: ${fresh.seconds.toFixed(1)} s ${JSON.stringify(fresh.body)}`);
    const rerun = await post(port, token);
    log(`re-run: ${rerun.seconds.toFixed(1)} s`);
    const [row] = await database.query<{ n: number }>('select count(*)::int as n from feedback');
    return { fresh: fresh.seconds, rerun: rerun.seconds, rows: row?.n ?? 0 };
  } finally {
    await app.close();
    await database.close();
  }
}

await generate();
const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await run());
await adminQuery(`drop database if exists ${DB_NAME} with (force)`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fresh = median(runs.map((r) => r.fresh));
process.stdout.write(
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, load1: os.loadavg()[0] },
      node: process.version,
      lines: LINES,
      feedback_rows: runs[0]?.rows,
      fresh_seconds: runs.map((r) => Number(r.fresh.toFixed(1))),
      rerun_seconds: runs.map((r) => Number(r.rerun.toFixed(1))),
      median_fresh_seconds: Number(fresh.toFixed(1)),
      rows_per_second: Math.round(LINES / fresh),
      goal: LINES >= 1_000_000 ? (fresh < 60 ? 'met (< 60 s)' : 'MISSED (>= 60 s)') : 'n/a',
    },
    null,
    2,
  )}\n`,
);
