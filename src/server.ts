import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import type { Config } from './core/config/config.ts';
import { resolveMasterKey } from './core/config/master-key.ts';
import { connectDatabase, type Database } from './core/db/database.ts';
import { applyMigrations, migrationStatus } from './core/db/migrations.ts';
import path from 'node:path';

/** Connects to `DATABASE_URL`, or opens the embedded PGlite database under the data directory. */
export function openDatabase(config: Config): Promise<Database> {
  return connectDatabase({
    url: config.databaseUrl ?? path.join(config.dataDir, 'pglite'),
    poolSize: config.dbPoolSize,
  });
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish (bounded by SHUTDOWN_TIMEOUT), closes the pool. */
  stop(): Promise<void>;
}

/** Starts one HTTP server process: database, migrations (if configured), app, listen. */
export async function startServer(
  config: Config,
  extend?: (app: FastifyInstance) => Promise<void> | void,
): Promise<RunningServer> {
  const bootLog = pino({ level: config.logLevel === 'silent' ? 'silent' : 'info' });
  const masterKey = await resolveMasterKey(config, (message) => bootLog.warn(message));
  const database = await openDatabase(config);
  if (config.migrateOnStart) {
    await applyMigrations(database);
  } else {
    const status = await migrationStatus(database);
    if (status.pending > 0) {
      bootLog.warn(
        `${status.pending} migration(s) pending: run \`bulwark migrate\`; /readyz answers 503 until then`,
      );
    }
  }
  const app = await buildApp({ config, database, masterKey, extend });
  const url = await app.listen({ port: config.port, host: config.host });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const force = setTimeout(() => {
        app.log.warn('shutdown timeout reached: closing remaining connections');
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      force.unref();
      // `close()` drops the connections idle at that moment only; a keep-alive connection whose request was
      // still in flight becomes idle later and would hold the close up until SHUTDOWN_TIMEOUT. Drop those too.
      const reapIdle = setInterval(() => app.server.closeIdleConnections(), 100);
      reapIdle.unref();
      try {
        await app.close();
      } finally {
        clearInterval(reapIdle);
        clearTimeout(force);
        await database.close();
      }
    })();
    return stopping;
  };
  return { app, url, stop };
}
