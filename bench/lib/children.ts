import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { BareContext, ServerKind } from '../scenarios/scenario.ts';
import type { ReadyMessage } from '../servers/child.ts';

export type { ServerKind } from '../scenarios/scenario.ts';

export interface ServerChild {
  readonly kind: ServerKind;
  readonly url: string;
  /** The process the harness started; with workers, the cluster primary. */
  readonly pid: number;
  readonly workers: number;
  stop(): Promise<void>;
}

export interface ChildOptions {
  readonly scenario: string;
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly dataDir: string;
  readonly startTimeoutMs: number;
  /** `start-server`: bench/servers/bulwark.ts; `cli`: `node src/cli/main.ts serve --workers N`. */
  readonly launch: 'start-server' | 'cli';
  readonly workers: number;
  /** Scenario-specific environment for Bulwark. */
  readonly bulwarkEnv?: Readonly<Record<string, string>>;
  /** The bare server's context (it needs the running Bulwark's URL and the fixture). */
  readonly bareContext?: BareContext;
  /** Directory for `--cpu-prof` profiles of Bulwark's processes (BENCH_PROFILE). */
  readonly profileDir?: string;
  /** NODE_OPTIONS for Bulwark's processes (BENCH_BULWARK_NODE_OPTIONS, e.g. `--perf-basic-prof`). */
  readonly nodeOptions?: string;
}

const ROOT = new URL('../../', import.meta.url);
const live = new Set<ChildProcess>();

/** Kills every child still running; safe to call from an `exit` handler (synchronous). */
export function killAllChildren(): void {
  for (const child of live) {
    // A cluster primary killed with SIGKILL cannot stop its workers: kill them first.
    for (const pid of descendants(child.pid ?? -1)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child.kill('SIGKILL');
  }
  live.clear();
}

/** The environment both servers get; Bulwark's configuration comes from it as in production. */
export function serverEnv(kind: ServerKind, options: ChildOptions, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: BENCH_PUBLIC_URL,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'off',
    MASTER_KEY,
    DATA_DIR: options.dataDir,
    DATABASE_URL: options.databaseUrl,
    DB_POOL_SIZE: String(options.poolSize),
    BENCH_SCENARIO: options.scenario,
    ...(kind === 'bulwark' && options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
    BENCH_WORKERS: String(options.workers),
    ...(kind === 'bulwark' ? options.bulwarkEnv : undefined),
    ...(kind === 'bare' && options.bareContext
      ? { BENCH_BARE_CONTEXT: JSON.stringify(options.bareContext) }
      : undefined),
  };
}

// One per bench run: every Bulwark must open the signing keys that an earlier one sealed in the database.
const MASTER_KEY = randomBytes(32).toString('hex');

/** Bulwark's PUBLIC_URL (and so its tokens' `iss`) in every bench run, whatever port it gets. */
export const BENCH_PUBLIC_URL = 'http://bulwark.bench';

/**
 * Starts one server on a loopback port and waits until it answers. Bulwark with `launch: 'cli'` is the real
 * command with `--workers N`; it reports nothing, so the harness picks its port and polls `/healthz`.
 * The others report their URL over IPC once every worker listens.
 */
export async function startServer(kind: ServerKind, options: ChildOptions): Promise<ServerChild> {
  const cli = kind === 'bulwark' && options.launch === 'cli';
  const port = cli ? await freePort() : 0;
  const entry = cli
    ? fileURLToPath(new URL('src/cli/main.ts', ROOT))
    : fileURLToPath(new URL(`../servers/${kind}.ts`, import.meta.url));
  const args = cli ? ['serve', '--workers', String(options.workers)] : [];
  const execArgv =
    kind === 'bulwark' && options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = spawn(process.execPath, [...execArgv, entry, ...args], {
    // In the run's temporary directory: whatever a process leaves behind (V8 logs of --perf-basic-prof …)
    // goes with it.
    cwd: options.dataDir,
    // Children log to our stderr so stdout stays pure JSON.
    stdio: ['ignore', 2, 'inherit', ...(cli ? [] : ['ipc' as const])],
    env: serverEnv(kind, options, port),
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const pid of descendants(child.pid!)) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const died = new Promise<never>((_resolve, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`${kind} server exited during start-up (${signal ?? `code ${code}`})`)),
      ),
    );
    died.catch(() => undefined);
    const ready = cli
      ? waitUntilAnswering(`http://127.0.0.1:${port}`)
      : new Promise<string>((resolve) => child.once('message', (m: ReadyMessage) => resolve(m.url)));
    const url = await Promise.race([
      ready,
      died,
      timeout(options.startTimeoutMs, `${kind} server did not start in time`),
    ]);
    return { kind, url, pid: child.pid!, workers: options.workers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilAnswering(url: string): Promise<string> {
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
      if (response.ok) return url;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_resolve, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

interface ProcStat {
  readonly ppid: number;
  /** utime + stime in seconds. */
  readonly cpu: number;
}

function readStat(pid: number | string): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // ppid, utime and stime are fields 4, 14 and 15 of stat(5); times in clock ticks (100 per second).
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return undefined;
  }
}

/** Every process below `root` (children, grandchildren …), from /proc; empty where there is no /proc. */
export function descendants(root: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    const stat = readStat(name);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** CPU seconds (user + system) used so far by a process and each of its descendants, from /proc. */
export interface TreeCpu {
  readonly total: number;
  /** The main (JavaScript) threads only, without libuv's thread pool, GC helpers and the like. */
  readonly mainThreads: number;
  /** Per direct child of the root (the cluster workers). */
  readonly workers: ReadonlyMap<number, number>;
}

export function treeCpu(root: number): TreeCpu | undefined {
  const own = readStat(root);
  if (!own) return undefined;
  let total = own.cpu;
  let mainThreads = readStat(`${root}/task/${root}`)?.cpu ?? 0;
  const workers = new Map<number, number>();
  for (const pid of descendants(root)) {
    const stat = readStat(pid);
    if (!stat) continue;
    total += stat.cpu;
    mainThreads += readStat(`${pid}/task/${pid}`)?.cpu ?? 0;
    if (stat.ppid === root) workers.set(pid, (workers.get(pid) ?? 0) + stat.cpu);
  }
  return { total, mainThreads, workers };
}
