import autocannon from 'autocannon';
import os from 'node:os';
import { cpuUsage } from 'node:process';
import type { RequestSpec } from '../scenarios/scenario.ts';
import { treeCpu, type ServerChild } from './children.ts';

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
}

/** One measured run against one server. Latencies in milliseconds, CPU as a fraction of one core. */
export interface RunStats {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** Every process of the server (primary and workers) together; up to the core count. */
  readonly serverCpu: number | null;
  /** Server CPU time per request in microseconds: steadier than requests/s on a busy machine. */
  readonly cpuUsPerRequest: number | null;
  /** The part of it spent on the servers' main (JavaScript) threads, not in libuv's thread pool (argon2). */
  readonly mainThreadUsPerRequest: number | null;
  readonly loadgenCpu: number;
  /** The machine's 1-minute load average when the run started. */
  readonly loadAverage: number;
  /** CPU seconds of each worker process during the run (multi-worker servers only). */
  readonly workerCpuSeconds?: readonly number[];
}

/** The medians over the runs, plus the runs themselves. */
export interface ServerSummary {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly serverCpu: number | null;
  readonly cpuUsPerRequest: number | null;
  readonly mainThreadUsPerRequest: number | null;
  readonly loadgenCpu: number;
  readonly runs: readonly RunStats[];
}

/** Runs autocannon once against the server (no pipelining); any error or non-2xx answer fails the run. */
export async function measure(
  server: ServerChild,
  request: RequestSpec,
  options: LoadOptions,
): Promise<RunStats> {
  const loadAverage = round2(os.loadavg()[0]!);
  const cpuBefore = treeCpu(server.pid);
  const ownBefore = cpuUsage();
  const result = await autocannon({
    url: server.url + request.path,
    method: request.method,
    ...(request.headers ? { headers: { ...request.headers } } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    connections: options.connections,
    duration: options.durationSeconds,
    pipelining: 1,
    timeout: 10,
  });
  const own = cpuUsage(ownBefore);
  const cpuAfter = treeCpu(server.pid);
  const problems = result.errors + result.timeouts + result.non2xx;
  if (problems > 0) {
    throw new Error(
      `${server.kind} ${request.method} ${request.path}: ${result.errors} errors, ${result.timeouts} timeouts, ` +
        `${result.non2xx} non-2xx`,
    );
  }
  const seconds = result.duration;
  const cpu =
    cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter.total - cpuBefore.total;
  const workerCpuSeconds =
    server.workers > 1 && cpuBefore && cpuAfter
      ? [...cpuAfter.workers].map(([pid, after]) => round2(after - (cpuBefore.workers.get(pid) ?? 0)))
      : undefined;
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    serverCpu: cpu === undefined ? null : round2(cpu / seconds),
    cpuUsPerRequest: cpu === undefined ? null : Math.round((cpu * 1e6) / result.requests.total),
    mainThreadUsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined
        ? null
        : Math.round(((cpuAfter.mainThreads - cpuBefore.mainThreads) * 1e6) / result.requests.total),
    loadgenCpu: round2((own.user + own.system) / 1e6 / seconds),
    loadAverage,
    ...(workerCpuSeconds ? { workerCpuSeconds } : {}),
  };
}

/**
 * With N workers, whether each one did its share of a run: a worker that started listening late gets no
 * connection of an autocannon run already under way (its connections stay open for the whole run).
 */
export function workersBalanced(stats: RunStats, workers: number): boolean {
  const shares = stats.workerCpuSeconds;
  if (workers <= 1 || !shares) return true;
  const total = shares.reduce((a, b) => a + b, 0);
  return shares.length === workers && shares.every((s) => s >= (0.25 * total) / workers);
}

export function summarize(runs: readonly RunStats[]): ServerSummary {
  const orNull = (values: readonly (number | null)[]) =>
    values.every((v) => v !== null) ? median(values) : null;
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    serverCpu: orNull(runs.map((r) => r.serverCpu)),
    cpuUsPerRequest: orNull(runs.map((r) => r.cpuUsPerRequest)),
    mainThreadUsPerRequest: orNull(runs.map((r) => r.mainThreadUsPerRequest)),
    loadgenCpu: median(runs.map((r) => r.loadgenCpu)),
    runs,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round2 = (value: number): number => Math.round(value * 100) / 100;
