import { findScenario } from '../scenarios/index.ts';
import type { Scenario } from '../scenarios/scenario.ts';

/** The message a server child sends once it listens. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly url: string;
}

export interface StartedServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** The scenario named by `BENCH_SCENARIO`. */
export const currentScenario = (): Scenario => findScenario(process.env.BENCH_SCENARIO);

/**
 * Shared plumbing of the server entry points: report the URL to the orchestrator over IPC, and stop on
 * SIGTERM or when the orchestrator goes away.
 */
export async function runChild(start: (scenario: Scenario) => Promise<StartedServer>) {
  if (!process.send) throw new Error('bench servers are started by bench/run.ts (they need an IPC channel)');
  const server = await start(currentScenario());
  stopOnSignals(server);
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.send({ type: 'ready', url: server.url } satisfies ReadyMessage);
}

/** On SIGTERM or SIGINT: stop (within 3 s) and exit. */
export function stopOnSignals(server: Pick<StartedServer, 'stop'>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 3000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
