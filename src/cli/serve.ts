import cluster from 'node:cluster';
import type { Config } from '../core/config/config.ts';
import { serveClusterMetrics } from '../core/observability/cluster-metrics.ts';
import { startServer, type RunningServer } from '../server.ts';

/** `bulwark serve [--workers N]`: one process, or N cluster workers sharing the port. */
export async function serve(config: Config, workers: number): Promise<void> {
  if (workers > 1 && cluster.isPrimary) {
    if (!config.databaseUrl) {
      throw new Error(
        '--workers > 1 needs DATABASE_URL: the embedded PGlite database belongs to one process',
      );
    }
    return runPrimary(workers);
  }
  const server = await startServer(config);
  // Before saying it listens: whoever waits for that line may signal at once.
  handleShutdownSignals(server);
  const where = server.url.replace('127.0.0.1', 'localhost');
  server.app.log.info(`Bulwark listening on ${where} — API docs at ${where}/docs`);
  if (cluster.isPrimary) console.log(`Bulwark is running at ${where}  (Swagger UI: ${where}/docs)`);
}

/**
 * On SIGTERM or SIGINT: stop accepting, let in-flight requests finish (bounded by SHUTDOWN_TIMEOUT), close
 * the database, then exit 0 (1 if stopping failed). Shared by `bulwark serve` and the e2e test fixtures.
 */
export function handleShutdownSignals(server: RunningServer): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    // A second signal while stopping is ignored: a Ctrl-C under bin/bulwark.mjs's re-run reaches this
    // process twice (from the terminal and forwarded by the wrapper).
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function runPrimary(workers: number): Promise<void> {
  let stopping = false;
  serveClusterMetrics();
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited with ${code}; starting another`);
    cluster.fork();
  });
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return new Promise((resolve) => {
    cluster.on('exit', () => {
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve();
    });
  });
}
