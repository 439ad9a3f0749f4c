import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { AppError } from '../errors/app-error.ts';

/**
 * `/metrics` under `bulwark serve --workers N`: each worker serves requests on the shared port, so a scrape
 * reaches one of them at random; that worker asks the primary, which gathers every worker's registry over
 * cluster IPC (prom-client's AggregatorRegistry) and answers with one exposition for the whole server —
 * counters and histograms summed, gauges aggregated as each declares (`sum`, `first`, `average`, …).
 */
const REQUEST = 'bulwark:metrics-request';
const REPLY = 'bulwark:metrics-reply';
/** prom-client gives up on a worker after 5 s; the asking worker waits a little longer than that. */
const TIMEOUT_MS = 6000;

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: string;
}
interface MetricsReply {
  readonly type: typeof REPLY;
  readonly id: string;
  readonly text?: string;
  readonly error?: string;
}

/** 503: a partial exposition would look like a drop in traffic, so a failed scrape says so instead. */
const unavailable = (why: string) =>
  new AppError('UNAVAILABLE', `The workers' metrics could not be gathered (${why}); scrape again.`);

const isRequest = (message: unknown): message is MetricsRequest =>
  (message as MetricsRequest | null)?.type === REQUEST;
const isReply = (message: unknown): message is MetricsReply =>
  (message as MetricsReply | null)?.type === REPLY;

/** In the primary: answers workers' requests for the aggregated metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isRequest(message)) return;
    const reply = (body: Omit<MetricsReply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: REPLY, id: message.id, ...body });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/**
 * In a worker: offers `registry` to the primary's aggregation, and returns the function `/metrics` calls for
 * the whole server's exposition. Undefined when this process is not a cluster worker.
 */
export function joinClusterMetrics(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  AggregatorRegistry.setRegistries(registry);
  new AggregatorRegistry(); // installs the worker's listener for the primary's requests
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const onMessage = (message: unknown) => {
        if (!isReply(message) || message.id !== id) return;
        finish();
        if (message.text !== undefined) resolve(message.text);
        else reject(unavailable(message.error ?? 'no answer'));
      };
      const timer = setTimeout(() => {
        finish();
        reject(unavailable('the primary did not answer'));
      }, TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        process.off('message', onMessage);
      };
      process.on('message', onMessage);
      process.send!({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
