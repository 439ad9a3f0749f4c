import { existsSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import type { Machine, Settings } from './settings.ts';
import type { ServerSummary } from './load.ts';

export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  /** `GET /healthz`; the request Bulwark gets (the bare server's may differ in its credential header). */
  readonly request: string;
  /** Processes per server (cluster workers). */
  readonly workers: number;
  /** `start-server` (one process) or `cli` (`bulwark serve --workers N`). */
  readonly launch: 'start-server' | 'cli';
  readonly bulwark: ServerSummary;
  readonly bare: ServerSummary;
  /** Bulwark's median requests/s over the bare server's. */
  readonly ratio: number;
  readonly goalRatio: number;
  /** No goal: a diagnostic comparison (see bench/scenarios/fastify-floor.ts). */
  readonly diagnostic: boolean;
  /** Bulwark's median p99 must stay under this, when set. */
  readonly p99GoalMs: number | undefined;
  readonly pass: boolean;
  /** 1-minute load averages at the start of each measured run, both servers, in run order. */
  readonly loadAverages: readonly number[];
  readonly notes: string | undefined;
}

export interface Report {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly postgres: string;
  readonly settings: Omit<
    Settings,
    'databaseUrl' | 'timeoutMs' | 'scenarios' | 'profileDir' | 'workers' | 'bulwarkNodeOptions'
  >;
  readonly scenarios: readonly ScenarioResult[];
}

const HEADER = `# Benchmark results

Appended by \`npm run bench\` (see [README.md](README.md)); newest last. Method: for each scenario, Bulwark
(every global plugin: request id, security headers, CORS when configured, metrics, error handler, TypeBox
validation) and a bare \`node:http\` server doing the same work each run in their own process tree on
loopback: one process (\`startServer\`), or \`bulwark serve --workers N\` against a \`node:cluster\` of N.
Both are warmed up, then autocannon (one connection pool, no pipelining) loads one at a time, the order
alternating from run to run; the table gives the median of the runs for requests/s, p50 and p99
independently. Bulwark runs with
\`LOG_LEVEL=warn\` (no per-request logs); the bare server does no logging at all. Database reads go to
PostgreSQL through a pool of the same size per process on both sides. CPU is the server's CPU time (all its
processes) over the run as a fraction of one core (1.00 = one core saturated), then that CPU time per
request in microseconds (the steadier figure when the machine is busy) and, in brackets, the part spent on
the main JavaScript threads (the rest is libuv's thread pool, GC helpers). CPU ratio is the bare server's
µs per request over Bulwark's: what the requests/s ratio tends to when both are CPU-bound. Load gen is
autocannon's own process. Load avg is the machine's 1-minute load average at the start of the measured
runs (min–max).
`;

/** Appends one Markdown section for this run to RESULTS.md, creating the file with its header if absent. */
export async function appendMarkdown(file: string, report: Report): Promise<void> {
  if (!existsSync(file)) await writeFile(file, HEADER);
  await appendFile(file, markdown(report));
}

export function markdown(report: Report): string {
  const { machine: m, settings: s } = report;
  const ms = (summary: ServerSummary) => `${summary.p50} / ${summary.p99}`;
  const cpu = ({ serverCpu, cpuUsPerRequest, mainThreadUsPerRequest }: ServerSummary) =>
    serverCpu === null
      ? 'n/a'
      : `${serverCpu.toFixed(2)} / ${cpuUsPerRequest} (${mainThreadUsPerRequest ?? 'n/a'})`;
  const cpuRatio = (r: ScenarioResult) =>
    r.bulwark.cpuUsPerRequest && r.bare.cpuUsPerRequest
      ? `${(r.bare.cpuUsPerRequest / r.bulwark.cpuUsPerRequest).toFixed(2)}×`
      : 'n/a';
  const rows = report.scenarios.map((r) =>
    [
      `\`${r.name}\``,
      String(r.workers),
      r.bulwark.rps.toLocaleString('en-US'),
      ms(r.bulwark),
      cpu(r.bulwark),
      r.bare.rps.toLocaleString('en-US'),
      ms(r.bare),
      cpu(r.bare),
      `${r.ratio.toFixed(2)}×`,
      cpuRatio(r),
      r.diagnostic ? '—' : `≥ ${r.goalRatio}×${r.p99GoalMs === undefined ? '' : `, p99 < ${r.p99GoalMs} ms`}`,
      r.diagnostic ? 'diagnostic' : r.pass ? 'pass' : '**FAIL**',
      loadRange(r.loadAverages),
    ].join(' | '),
  );
  return [
    '',
    `## ${report.date}`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; load average ${m.loadAverage} at start`,
    `- Node ${m.node}, PostgreSQL ${report.postgres}, DB pool ${s.poolSize} on each side`,
    `- Load: ${s.connections} connections, ${s.runs} × ${s.durationSeconds} s per server (median), ${s.warmupSeconds} s warm-up, order alternating`,
    `- Command: \`${report.command}\``,
    '',
    '| Scenario | Workers | Bulwark req/s | p50 / p99 ms | CPU / µs per req (main) | Bare req/s | p50 / p99 ms | CPU / µs per req (main) | Ratio | CPU ratio | Goal | Result | Load avg |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- | --- | --: |',
    ...rows.map((row) => `| ${row} |`),
    '',
    ...report.scenarios.map(
      (r) =>
        `- \`${r.name}\`: ${r.description}.${r.notes ? ` ${r.notes}` : ''} Bulwark ${r.launch === 'cli' ? `\`bulwark serve --workers ${r.workers}\`` : '`startServer`'}. ` +
        `Load-gen CPU ${r.bulwark.loadgenCpu.toFixed(2)} (Bulwark runs), ${r.bare.loadgenCpu.toFixed(2)} (bare runs). ` +
        `Runs: Bulwark ${r.bulwark.runs.map((x) => x.rps).join(' / ')} req/s, bare ${r.bare.runs.map((x) => x.rps).join(' / ')} req/s.`,
    ),
    '',
  ].join('\n');
}

function loadRange(values: readonly number[]): string {
  if (values.length === 0) return 'n/a';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? min.toFixed(1) : `${min.toFixed(1)}–${max.toFixed(1)}`;
}
