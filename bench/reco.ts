// Recommendations at scale: 1,000,000 generated feedback rows in PostgreSQL; the time of a full retraining
// (read every row, train every engine in a worker thread, measure them on a held-out split, store the
// model); then GET /v1/recommendations under 64 connections, idle and during a retraining.
//
//   node bench/reco.ts            (needs PostgreSQL at 127.0.0.1:5432, user postgres, trust auth)
//
// Bulwark runs in this process (its training in a worker thread, as in production); autocannon runs as a
// child process so that the load generator does not share the server's event loop.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance as perf } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/core/config/config.ts';
import { connectDatabase } from '../src/core/db/database.ts';
import { newId } from '../src/core/ids.ts';
import { obtainCredentials } from './lib/credentials.ts';
import { prepareDatabase } from './lib/database.ts';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'bulwark_reco_bench';
const URL_ = `postgres://postgres@127.0.0.1:5432/${DB}`;
const USERS = Number(process.env.RECO_BENCH_USERS ?? 10_000);
const ITEMS = Number(process.env.RECO_BENCH_ITEMS ?? 2_000);
const PER_USER = Number(process.env.RECO_BENCH_PER_USER ?? 100);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const run = promisify(execFile);

async function admin(statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** Items in 10 taste clusters; each user rates PER_USER items, 80 % from their cluster, 20 % popular ones. */
async function seed(accountId: string): Promise<number> {
  const database = await connectDatabase({ url: URL_, poolSize: 1 });
  try {
    await database.query(
      `insert into items (id, kind, title, description, genres, year, popularity)
       select gen_random_uuid(), 'movie', 'Movie ' || i, 'A film in cluster ' || (i % 10),
              array['Genre' || (i % 10)], 1950 + (i % 70), 5.0 - i::float / $1
       from generate_series(0, $1 - 1) i`,
      [ITEMS],
    );
    await database.query(
      `create temporary table ordered as select id, row_number() over (order by popularity desc) - 1 as n from items`,
    );
    await database.query(
      `insert into feedback (user_key, item_id, slot, type, value, at)
       select 'ext:u' || u, o.id, 2, 'rating', 1 + (u + j) % 5, now()
       from generate_series(0, $1 - 1) u, generate_series(0, $2 - 1) j,
            lateral (select case when j % 5 = 0 then (u * 7 + j * 13) % ($3 / 20)
                                 else ((u % 10) + 10 * ((u * 31 + j * 17) % ($3 / 10))) % $3 end as n) pick
       join ordered o on o.n = pick.n
       on conflict do nothing`,
      [USERS, PER_USER, ITEMS],
    );
    // The signed-in bench user has a history of 100 items too.
    await database.query(
      `insert into feedback (user_key, item_id, slot, type, value, at)
       select $1, id, 2, 'rating', 4, now() from ordered where n % 23 = 3 limit 100 on conflict do nothing`,
      [accountId],
    );
    const [row] = await database.query<{ n: number }>('select count(*)::int as n from feedback');
    return row?.n ?? 0;
  } finally {
    await database.close();
  }
}

/** One autocannon run, with this process's main-thread utilisation and event-loop delay while it lasted. */
async function autocannon(url: string, token: string) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const elu = perf.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const load = await cannon(url, token);
  delay.disable();
  const used = process.cpuUsage(cpu);
  const requests = load.rps * DURATION;
  return {
    ...load,
    mainThreadUtilisation: Math.round(perf.eventLoopUtilization(elu).utilization * 100) / 100,
    eventLoopDelayP99Ms: Math.round(delay.percentile(99) / 1e4) / 100,
    processCpuUsPerRequest: Math.round((used.user + used.system) / requests),
  };
}

async function cannon(
  url: string,
  token: string,
): Promise<{ p50: number; p99: number; rps: number; errors: number }> {
  const { stdout } = await run(
    'node_modules/.bin/autocannon',
    ['-c', '64', '-d', String(DURATION), '-j', '-H', `authorization=Bearer ${token}`, url],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const r = JSON.parse(stdout) as {
    latency: { p50: number; p99: number };
    requests: { average: number };
    errors: number;
    non2xx: number;
  };
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, errors: r.errors + r.non2xx };
}

await admin([`drop database if exists ${DB} with (force)`, `create database ${DB}`]);
const bench = await prepareDatabase(URL_);
const rows = await seed(bench.fixture.account.id);
console.error(`seeded ${rows} feedback rows, ${ITEMS} items, ${USERS} users`);
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DATABASE_URL: URL_,
  RATE_LIMIT: 'off',
  RECO_CHECK_INTERVAL: '1h',
  // The bench starts each training itself (and times it).
  RECO_TRAINING: 'off',
  PUBLIC_URL: 'http://127.0.0.1',
});
const database = await connectDatabase({ url: URL_, poolSize: 10 });
const app = await buildApp({ config, database, masterKey: randomBytes(32), startWorker: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
try {
  const { accessToken } = await obtainCredentials(base, bench.fixture);
  let started = performance.now();
  await app.reco.trainer.train();
  const fullMs = performance.now() - started;
  const current = app.reco.trainer.current!;
  console.error(`training: ${(fullMs / 1000).toFixed(1)} s end to end`);
  const url = `${base}/v1/recommendations?limit=10`;
  const check = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  const sample = (await check.json()) as { items: { engine: string; reason: string }[] };
  console.error(
    `sample: ${check.status} ${JSON.stringify(sample.items.slice(0, 2).map((i) => [i.engine, i.reason]))}`,
  );
  await autocannon(url, accessToken); // warm-up
  const idle = await autocannon(url, accessToken);
  console.error(
    `idle: ${JSON.stringify(idle)}; first training ${JSON.stringify(app.reco.trainer.lastTimings)}`,
  );
  if (process.env.BENCH_IDLE_ONLY) process.exit(0);
  started = performance.now();
  const retraining = app.reco.trainer.train();
  const during = await autocannon(url, accessToken);
  const stillTraining =
    performance.now() - started < (await retraining.then(() => performance.now() - started));
  console.error(
    `during retraining: ${JSON.stringify(during)} (training outlasted the load: ${stillTraining})`,
  );
  const result = {
    date: new Date().toISOString(),
    feedbackRows: rows,
    users: USERS + 1,
    items: ITEMS,
    trainingSeconds: Math.round(fullMs / 100) / 10,
    firstTraining: app.reco.trainer.lastTimings,
    engineMs: current.model.trainingMs,
    idle,
    duringRetraining: during,
    retrainSeconds: Math.round((performance.now() - started) / 100) / 10,
    newModelId: newId() && app.reco.trainer.current?.id !== current.id,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await app.close();
  await database.close();
  await bench.teardown();
  await admin([`drop database if exists ${DB} with (force)`]);
}
