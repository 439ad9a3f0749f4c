// `npm run bench`: Bulwark against a bare node:http server, per scenario. JSON on stdout, progress on
// stderr, a Markdown section appended to bench/RESULTS.md. Knobs: see bench/README.md.
import { isDeepStrictEqual } from 'node:util';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BENCH_PUBLIC_URL,
  killAllChildren,
  startServer,
  treeCpu,
  type ChildOptions,
  type ServerChild,
} from './lib/children.ts';
import { obtainCredentials } from './lib/credentials.ts';
import { prepareDatabase } from './lib/database.ts';
import { measure, round2, summarize, workersBalanced, type LoadOptions, type RunStats } from './lib/load.ts';
import { appendMarkdown, type Report, type ScenarioResult } from './lib/report.ts';
import { commandLine, defaultTimeoutMs, machine, readSettings, type Settings } from './lib/settings.ts';
import { DEFAULT_SCENARIOS, findScenario } from './scenarios/index.ts';
import type { BareContext, Fixture, RequestSpec, Scenario } from './scenarios/scenario.ts';

const RESULTS_FILE = fileURLToPath(new URL('RESULTS.md', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// Children never outlive the orchestrator, whatever ends it; the database and temp dir go too when they can.
const cleanups: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  killAllChildren();
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => log(`clean-up failed: ${String(error)}`));
  }
}
function abort(reason: string, code: number): void {
  log(reason);
  setTimeout(() => process.exit(code), 5000).unref();
  void cleanUp().finally(() => process.exit(code));
}
process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => abort(`${signal}: stopping`, 130));

interface Context {
  readonly settings: Settings;
  readonly databaseUrl: string;
  readonly fixture: Fixture;
  readonly dataDir: string;
}

const describe = (r: RequestSpec) => `${r.method} ${r.path}`;

async function runScenario(scenario: Scenario, ctx: Context): Promise<ScenarioResult> {
  const { settings, fixture } = ctx;
  const launch = scenario.launch ?? 'start-server';
  if (launch === 'start-server' && (scenario.workers ?? 1) > 1)
    throw new Error(`${scenario.name}: several workers need launch: 'cli'`);
  const workers = launch === 'cli' ? (settings.workers ?? scenario.workers ?? 1) : 1;
  const childOptions: ChildOptions = {
    scenario: scenario.name,
    databaseUrl: ctx.databaseUrl,
    poolSize: settings.poolSize,
    dataDir: ctx.dataDir,
    startTimeoutMs: 60_000,
    launch,
    workers,
    ...(scenario.bulwarkEnv ? { bulwarkEnv: scenario.bulwarkEnv } : {}),
    ...(settings.profileDir ? { profileDir: settings.profileDir } : {}),
    ...(settings.bulwarkNodeOptions ? { nodeOptions: settings.bulwarkNodeOptions } : {}),
  };
  const servers: ServerChild[] = [];
  try {
    log(
      `${scenario.name}: starting Bulwark (${launch === 'cli' ? `bulwark serve --workers ${workers}` : 'startServer'})`,
    );
    const bulwark = await startServer('bulwark', childOptions);
    servers.push(bulwark);
    const credentials = scenario.credentials
      ? await obtainCredentials(bulwark.url, fixture, { certificate: scenario.certificate ?? false })
      : undefined;
    const bareContext: BareContext = {
      databaseUrl: ctx.databaseUrl,
      poolSize: settings.poolSize,
      fixture,
      bulwarkUrl: bulwark.url,
      jwtIssuer: BENCH_PUBLIC_URL,
      jwtAudience: 'bulwark',
    };
    log(`${scenario.name}: starting the bare server (${workers} worker${workers > 1 ? 's' : ''})`);
    const bare = await startServer('bare', { ...childOptions, bareContext });
    servers.push(bare);
    const requests = {
      bulwark: scenario.request('bulwark', { fixture, credentials }),
      bare: scenario.request('bare', { fixture, credentials }),
    };
    await assertSameAnswer(scenario, servers, requests);

    const load: LoadOptions = {
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
    };
    if (settings.warmupSeconds > 0) {
      for (const server of servers) await warmUp(scenario, server, requests[server.kind], load, settings);
    }
    const runs: Record<ServerChild['kind'], RunStats[]> = { bulwark: [], bare: [] };
    const loadAverages: number[] = [];
    for (let i = 1; i <= settings.runs; i++) {
      // Never both at once; the order alternates so that neither always runs on a cooler machine.
      const order = i % 2 === 1 ? servers : [...servers].reverse();
      for (const server of order) {
        const stats = await measure(server, requests[server.kind], load);
        const { rps, p50, p99, serverCpu, cpuUsPerRequest, loadAverage } = stats;
        log(
          `${scenario.name}: run ${i}/${settings.runs} ${server.kind.padEnd(7)} ${rps} req/s, p50 ${p50} ms, ` +
            `p99 ${p99} ms, server CPU ${serverCpu ?? 'n/a'} (${cpuUsPerRequest ?? 'n/a'} µs/req, ` +
            `main threads ${stats.mainThreadUsPerRequest ?? 'n/a'})` +
            `${stats.workerCpuSeconds ? ` [workers ${stats.workerCpuSeconds.join(' + ')} s]` : ''}, ` +
            `load gen ${stats.loadgenCpu}, load avg ${loadAverage}`,
        );
        if (!workersBalanced(stats, workers))
          log(`${scenario.name}: warning: the workers did unequal shares`);
        runs[server.kind].push(stats);
        loadAverages.push(loadAverage);
        await settle(server);
      }
    }
    const bulwarkSummary = summarize(runs.bulwark);
    const bareSummary = summarize(runs.bare);
    const ratio = round2(bulwarkSummary.rps / bareSummary.rps);
    const { name, description, goalRatio, p99GoalMs } = scenario;
    const pass =
      scenario.diagnostic === true ||
      (ratio >= goalRatio && (p99GoalMs === undefined || bulwarkSummary.p99 < p99GoalMs));
    return {
      name,
      description,
      request: describe(requests.bulwark),
      workers,
      launch,
      bulwark: bulwarkSummary,
      bare: bareSummary,
      ratio,
      goalRatio,
      diagnostic: scenario.diagnostic === true,
      p99GoalMs,
      pass,
      loadAverages,
      notes: scenario.notes,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * Waits until the server has finished what the run left in flight (a password grant queued behind others
 * keeps a core busy for a while), so that it does not overlap the other server's run; 15 s at most.
 */
async function settle(server: ServerChild): Promise<void> {
  const deadline = Date.now() + 15_000;
  let before = treeCpu(server.pid)?.total;
  while (before !== undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = treeCpu(server.pid)?.total;
    if (now === undefined || now - before < 0.02) return; // under 8 % of one core
    before = now;
  }
}

/**
 * Warms a server up. With several workers it also checks that each took its share: one that began listening
 * late gets no connection of a run already under way, so the warm-up is repeated (fresh connections).
 */
async function warmUp(
  scenario: Scenario,
  server: ServerChild,
  request: RequestSpec,
  load: LoadOptions,
  settings: Settings,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    log(`${scenario.name}: warming up ${server.kind} (${settings.warmupSeconds} s)`);
    const stats = await measure(server, request, { ...load, durationSeconds: settings.warmupSeconds });
    await settle(server);
    if (workersBalanced(stats, server.workers)) return;
    const shares = stats.workerCpuSeconds?.join(' + ') ?? 'n/a';
    if (attempt === 3)
      throw new Error(`${server.kind}: the ${server.workers} workers never shared the load (${shares} s)`);
    log(`${scenario.name}: ${server.kind} workers did unequal shares (${shares} s CPU): warming up again`);
  }
}

/** Both servers must answer as the scenario expects (default: 200 and the same JSON), or the comparison means nothing. */
async function assertSameAnswer(
  scenario: Scenario,
  servers: readonly ServerChild[],
  requests: Record<ServerChild['kind'], RequestSpec>,
): Promise<void> {
  const answers = await Promise.all(
    servers.map(async (s) => {
      const r = requests[s.kind];
      const response = await fetch(s.url + r.path, {
        method: r.method,
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.body !== undefined ? { body: r.body } : {}),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: compared as text
      }
      return { kind: s.kind, status: response.status, body };
    }),
  );
  const bulwark = answers.find((a) => a.kind === 'bulwark')!;
  const bare = answers.find((a) => a.kind === 'bare')!;
  const problem = scenario.compare
    ? scenario.compare(bulwark, bare)
    : bulwark.status !== 200 || bare.status !== 200
      ? 'both must answer 200'
      : isDeepStrictEqual(bulwark.body, bare.body)
        ? undefined
        : 'the bodies differ';
  if (problem) {
    throw new Error(
      `${scenario.name}: the servers answer differently (${problem}): ${JSON.stringify(answers)}`,
    );
  }
}

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  const scenarios = settings.scenarios?.map(findScenario) ?? DEFAULT_SCENARIOS;
  const timeoutMs = settings.timeoutMs ?? defaultTimeoutMs(settings, scenarios.length);
  const budget = `time budget of ${Math.round(timeoutMs / 1000)} s exceeded (BENCH_TIMEOUT): giving up`;
  setTimeout(() => abort(budget, 2), timeoutMs).unref();

  const command = commandLine(process.env);
  const host = machine(); // before the load, so its load average shows what else runs
  log(`preparing the database (load average ${host.loadAverage})`);
  const database = await prepareDatabase(settings.databaseUrl);
  cleanups.push(() => database.teardown());
  if (settings.profileDir) await mkdir(settings.profileDir, { recursive: true });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bulwark-bench-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const results: ScenarioResult[] = [];
  try {
    const ctx: Context = { settings, databaseUrl: database.url, fixture: database.fixture, dataDir };
    for (const scenario of scenarios) results.push(await runScenario(scenario, ctx));
  } finally {
    await cleanUp();
  }

  const { connections, durationSeconds, warmupSeconds, runs, poolSize } = settings;
  const report: Report = {
    date: new Date().toISOString(),
    command,
    machine: host,
    postgres: database.serverVersion,
    settings: { connections, durationSeconds, warmupSeconds, runs, poolSize },
    scenarios: results,
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  await appendMarkdown(RESULTS_FILE, report);
  log(`appended to ${path.relative(process.cwd(), RESULTS_FILE)}`);
  for (const r of results) {
    const p99 = r.p99GoalMs === undefined ? '' : `, p99 ${r.bulwark.p99} ms (goal < ${r.p99GoalMs} ms)`;
    if (r.diagnostic) log(`${r.name}: ${r.ratio}× (diagnostic)`);
    else log(`${r.name}: ${r.ratio}× (goal ≥ ${r.goalRatio}×)${p99} ${r.pass ? 'pass' : 'FAIL'}`);
  }
  return results.every((r) => r.pass) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
