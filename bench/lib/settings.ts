import os from 'node:os';
import path from 'node:path';

/** Every knob of the harness, from the environment (see bench/README.md). */
export interface Settings {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly runs: number;
  readonly poolSize: number;
  readonly scenarios: readonly string[] | undefined;
  readonly databaseUrl: string | undefined;
  readonly timeoutMs: number | undefined;
  /** Workers per server for scenarios that run Bulwark through the CLI; undefined: the scenario's own. */
  readonly workers: number | undefined;
  /** Write `--cpu-prof` profiles of Bulwark's processes here (BENCH_PROFILE). */
  readonly profileDir: string | undefined;
  /** NODE_OPTIONS for Bulwark's processes (BENCH_BULWARK_NODE_OPTIONS), e.g. `--perf-basic-prof` for perf. */
  readonly bulwarkNodeOptions: string | undefined;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name}=${JSON.stringify(raw)}: expected an integer ${min}..${max}`);
    }
    return value;
  };
  const scenarios = env.BENCH_SCENARIOS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const timeout = int('BENCH_TIMEOUT', 0, 0, 86_400);
  const workers = int('BENCH_WORKERS', 0, 0, 64);
  const profileDir = env.BENCH_PROFILE?.trim();
  return {
    connections: int('BENCH_CONNECTIONS', 64, 1, 10_000),
    durationSeconds: int('BENCH_DURATION', 10, 1, 600),
    warmupSeconds: int('BENCH_WARMUP', 3, 0, 600),
    runs: int('BENCH_RUNS', 3, 1, 51),
    poolSize: int('DB_POOL_SIZE', 10, 1, 1000),
    scenarios: scenarios?.length ? scenarios : undefined,
    databaseUrl: env.BENCH_DATABASE_URL?.trim() || undefined,
    timeoutMs: timeout > 0 ? timeout * 1000 : undefined,
    workers: workers > 0 ? workers : undefined,
    profileDir: profileDir ? path.resolve(profileDir) : undefined,
    bulwarkNodeOptions: env.BENCH_BULWARK_NODE_OPTIONS?.trim() || undefined,
  };
}

/** The whole run's time budget: the load itself plus generous start-up, setup and re-warm-up margins. */
export function defaultTimeoutMs(settings: Settings, scenarioCount: number): number {
  const perScenario = 2 * (3 * settings.warmupSeconds + settings.runs * (settings.durationSeconds + 2)) + 90;
  return (scenarioCount * perScenario + 60) * 1000 * 1.5;
}

/** The command as typed, with the knobs that were set: `BENCH_DURATION=3 npm run bench`. */
export function commandLine(env: NodeJS.ProcessEnv): string {
  const knobs = Object.keys(env)
    .filter((k) => k.startsWith('BENCH_') || k === 'DB_POOL_SIZE')
    .sort()
    // Credentials in a database URL stay out of RESULTS.md.
    .map((k) => `${k}=${k === 'BENCH_DATABASE_URL' ? redactUrl(env[k]!) : env[k]!}`);
  const script =
    env.npm_lifecycle_event === 'bench'
      ? 'npm run bench'
      : ['node', ...process.argv.slice(1).map((a) => path.relative(process.cwd(), a) || a)].join(' ');
  return [...knobs, script].join(' ');
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** The 1-minute load average when the run started: anything near the core count means a noisy run. */
  readonly loadAverage: number;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = 'redacted';
    return url.toString();
  } catch {
    return '[unparsable URL]';
  }
}
