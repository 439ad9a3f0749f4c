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
  const where = server.url.replace('127.0.0.1', 'localhost');
  server.app.log.info(`Bulwark listening on ${where} — API docs at ${where}/docs`);
  if (cluster.isPrimary) console.log(`Bulwark is running at ${where}  (Swagger UI: ${where}/docs)`);

  handleShutdownSignals(server);
}

/**
 * On SIGTERM or SIGINT: stop accepting, let in-flight requests finish (bounded by SHUTDOWN_TIMEOUT), close
 * the database, then exit 0 (1 if stopping failed). Shared by `bulwark serve` and the e2e test fixtures.
 */
export function handleShutdownSignals(server: RunningServer): void {
  const shutdown = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
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
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return new Promise((resolve) => {
    cluster.on('exit', () => {
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve();
    });
  });
}
