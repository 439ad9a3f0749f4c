// Model-serving figures of issue 10 (see bench/README.md "Models"): the MLP under 64 clients with micro-batching
// on and off, one client's latency against an in-process session.run, and iris rows/s on two workers.
// Usage: node bench/models.ts   (BENCH_DURATION seconds per run, default 5; PostgreSQL at 127.0.0.1:5432)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { killAllChildren, startServer, type ServerChild } from './lib/children.ts';
import { obtainCredentials } from './lib/credentials.ts';
import { prepareDatabase } from './lib/database.ts';
import { ceiling } from './models-ceiling.ts';
import { measure, median, summarize, type RunStats, type ServerSummary } from './lib/load.ts';
import { machine } from './lib/settings.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'models');
const duration = Number(process.env.BENCH_DURATION ?? 5);
// On and off alternate within one run of the bench, so both see the same machine (BENCH_RUNS pairs).
const runs = Number(process.env.BENCH_RUNS ?? 3);
const parts = new Set((process.env.BENCH_MODELS_PARTS ?? 'mlp,iris').split(','));
const profileDir = process.env.BENCH_PROFILE?.trim() || undefined;
// `on` or `off` alone (BENCH_MODELS_MODES) profiles one side.
const modes = new Set((process.env.BENCH_MODELS_MODES ?? 'on,off').split(','));
const log = (message: string) => process.stderr.write(`${message}\n`);

async function uploadModel(url: string, token: string, name: string, file: string): Promise<void> {
  const form = new FormData();
  form.set('name', name);
  form.set('file', new Blob([await readFile(path.join(FIXTURES, file))]), file);
  const res = await fetch(`${url}/v1/models`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status !== 201 && res.status !== 403)
    throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
}

async function patch(url: string, token: string, name: string, body: object): Promise<void> {
  const res = await fetch(`${url}/v1/models/${name}/versions/1`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`patch ${name}: ${res.status} ${await res.text()}`);
}

async function eventLoopLagP99(url: string): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([\d.e-]+)/m.exec(text);
  return match ? Math.round(Number(match[1]) * 1e5) / 100 : null;
}

/** Inference runs and rows of the MLP so far, from /metrics (the delta over a run gives rows per run). */
async function mlpRuns(url: string): Promise<{ runs: number; rows: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (metric: string) =>
    Number(new RegExp(`^${metric}\\{model="mlp",version="1"\\} ([\\d.e+]+)`, 'm').exec(text)?.[1] ?? 0);
  return { runs: read('model_batch_rows_count'), rows: read('model_batch_rows_sum') };
}

/** p50 of in-process session.run on one MLP row, in milliseconds. */
async function inProcessP50(): Promise<number> {
  const session = await InferenceSession.create(await readFile(path.join(FIXTURES, 'mlp.onnx')));
  const row = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const times: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const started = process.hrtime.bigint();
    await session.run({ x: new Tensor('float32', row, [1, 64]) });
    if (i >= 500) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await session.release();
  return Math.round(median(times) * 1000) / 1000;
}

const summary = (stats: RunStats | ServerSummary) => ({
  rps: stats.rps,
  p50: stats.p50,
  p99: stats.p99,
  serverCpu: stats.serverCpu,
  cpuUsPerRequest: stats.cpuUsPerRequest,
  mainThreadUsPerRequest: stats.mainThreadUsPerRequest,
  loadgenCpu: stats.loadgenCpu,
  ...('loadAverage' in stats ? { loadAverage: stats.loadAverage } : {}),
  ...('runs' in stats ? { runs: stats.runs.map((r) => [r.rps, r.p99, r.mainThreadUsPerRequest]) } : {}),
});

async function main(): Promise<void> {
  const database = await prepareDatabase(process.env.BENCH_DATABASE_URL);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-models-bench-'));
  const start = (workers: number) =>
    startServer('bulwark', {
      scenario: 'models',
      databaseUrl: database.url,
      poolSize: 10,
      dataDir,
      startTimeoutMs: 120_000,
      launch: 'cli',
      workers,
      ...(profileDir ? { profileDir: path.resolve(profileDir) } : {}),
    });
  let server: ServerChild | undefined;
  try {
    server = await start(1);
    const { accessToken } = await obtainCredentials(server.url, database.fixture);
    await uploadModel(server.url, accessToken, 'mlp', 'mlp.onnx');
    await uploadModel(server.url, accessToken, 'iris', 'iris-tree.onnx');
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const mlp = {
      method: 'POST' as const,
      path: '/v1/models/mlp/predict',
      headers,
      body: JSON.stringify({ inputs: { x: [Array.from({ length: 64 }, (_, i) => Math.cos(i))] } }),
    };
    const load = (connections: number) => measure(server!, mlp, { connections, durationSeconds: duration });

    const onRuns: RunStats[] = [];
    const offRuns: RunStats[] = [];
    let lagOn: number | null = null;
    const rowsPerRun = { on: [] as number[], off: [] as number[] };
    let single: RunStats | undefined;
    let inProcess: number | undefined;
    if (parts.has('mlp')) {
      const settings = {
        on: { max_batch_size: 32, max_delay_ms: 2 },
        off: { max_batch_size: 1, max_delay_ms: 0 },
      };
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
        for (const mode of order.filter((m) => modes.has(m))) {
          log(`MLP, 64 clients, batching ${mode} (${i + 1}/${runs})`);
          await patch(server.url, accessToken, 'mlp', settings[mode]);
          await measure(server, mlp, { connections: 64, durationSeconds: 2 });
          const before = await mlpRuns(server.url);
          const stats = await load(64);
          const after = await mlpRuns(server.url);
          rowsPerRun[mode].push(
            Math.round(((after.rows - before.rows) / (after.runs - before.runs)) * 10) / 10,
          );
          (mode === 'on' ? onRuns : offRuns).push(stats);
          if (mode === 'on') lagOn = await eventLoopLagP99(server.url);
        }
      }
      log('MLP, 1 client, batching off');
      single = await load(1);
    }
    await server.stop();
    if (parts.has('mlp')) inProcess = await inProcessP50();
    const model = parts.has('mlp') ? await ceiling() : undefined;
    let irisRun: RunStats | undefined;
    const rows = 16;
    if (parts.has('iris')) {
      log('iris, 2 workers, 16 rows a request, micro-batched to 256');
      server = await start(2);
      // 48 clients × 16 rows stay under MODEL_MAX_QUEUE (1,000 rows) per worker: beyond it, 503 is the design.
      const irisRows = Array.from({ length: rows }, (_, i) => [
        4.5 + (i % 30) / 10,
        3 + (i % 7) / 10,
        1 + (i % 50) / 10,
        (i % 25) / 10,
      ]);
      await patch(server.url, accessToken, 'iris', { max_batch_size: 256, max_delay_ms: 2 });
      const iris = {
        ...mlp,
        path: '/v1/models/iris/predict',
        body: JSON.stringify({ inputs: { input: irisRows } }),
      };
      await measure(server, iris, { connections: 48, durationSeconds: 2 });
      irisRun = await measure(server, iris, { connections: 48, durationSeconds: duration });
    }
    const on = onRuns.length ? summarize(onRuns) : undefined;
    const off = offRuns.length ? summarize(offRuns) : undefined;

    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      durationSeconds: duration,
      runs,
      mlp64:
        on && off
          ? {
              batchingOn: summary(on),
              batchingOff: summary(off),
              speedup: Math.round((on.rps / off.rps) * 100) / 100,
              // Main-thread CPU per request, off over on: the ratio a CPU-bound server's throughput follows.
              cpuRatio:
                on.mainThreadUsPerRequest && off.mainThreadUsPerRequest
                  ? Math.round((off.mainThreadUsPerRequest / on.mainThreadUsPerRequest) * 100) / 100
                  : null,
              rowsPerRun,
              eventLoopLagP99Ms: lagOn,
            }
          : undefined,
      mlp1: single ? { http: summary(single), inProcessSessionRunP50Ms: inProcess } : undefined,
      modelSide: model,
      iris2Workers: irisRun
        ? { ...summary(irisRun), rowsPerRequest: rows, rowsPerSecond: irisRun.rps * rows }
        : undefined,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await server?.stop();
    killAllChildren();
    await database.teardown();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
