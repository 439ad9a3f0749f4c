// Child process: the baseline, a plain node:http server running the scenario's hand-written handler.
// No framework, no hooks, no logging. With BENCH_WORKERS > 1 it is a node:cluster of that many workers
// sharing one port (round-robin, as `bulwark serve --workers N`), and reports ready once all listen.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BareContext } from '../scenarios/scenario.ts';
import { currentScenario, runChild, stopOnSignals, type StartedServer } from './child.ts';

const workers = Number(process.env.BENCH_WORKERS ?? 1);

function context(): BareContext {
  const given = process.env.BENCH_BARE_CONTEXT;
  if (given) return JSON.parse(given) as BareContext;
  // Scenarios that need neither the fixture nor Bulwark (healthz, db-read) run without one.
  return {
    databaseUrl: process.env.DATABASE_URL ?? '',
    poolSize: Number(process.env.DB_POOL_SIZE ?? 10),
    fixture: undefined as never,
    bulwarkUrl: '',
    jwtIssuer: '',
    jwtAudience: '',
  };
}

/** One worker: the scenario's handler on a node:http server (port 0 is shared by cluster workers). */
async function listen(): Promise<StartedServer> {
  const bare = await currentScenario().bare(context());
  const server = createServer(bare.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bare.close();
    },
  };
}

interface Listening {
  readonly type: 'listening';
  readonly url: string;
}

if (workers <= 1) {
  await runChild(listen);
} else if (cluster.isPrimary) {
  await runChild(async () => {
    const urls = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<string>((resolve, reject) => {
            const worker = cluster.fork();
            worker.once('message', (message: Listening) => resolve(message.url));
            worker.once('exit', (code) => reject(new Error(`bare worker exited during start-up (${code})`)));
          }),
      ),
    );
    if (new Set(urls).size !== 1) throw new Error(`bare workers listen apart: ${urls.join(', ')}`);
    return {
      url: urls[0]!,
      async stop() {
        const all = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
        await Promise.all(
          all.map(
            (w) =>
              new Promise<void>((resolve) => {
                w.once('exit', () => resolve());
                w.process.kill('SIGTERM');
              }),
          ),
        );
      },
    };
  });
} else {
  const server = await listen();
  stopOnSignals(server);
  // The primary went away: so do we.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.send!({ type: 'listening', url: server.url } satisfies Listening);
}
