import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.ts';
import { joinClusterMetrics } from './cluster-metrics.ts';

export interface MetricsOptions {
  readonly database: Database;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** Scrapes within this long of each other share one count of the jobs table. */
export const JOB_COUNTS_TTL_MS = 15_000;

// Pending jobs through the fetch index; jobs failed in the last day through jobs_finished_idx. Never the
// finished rows of all time, which grow until housekeeping purges them.
const JOB_COUNTS_SQL = `
  select queue, status, count(*)::int as count from jobs where status in ('queued', 'running') group by 1, 2
  union all
  select queue, 'failed', count(*)::int from jobs
  where status = 'failed' and finished_at > now() - interval '1 day'
  group by 1`;

/**
 * The value of `load`, kept for `ttlMs`; concurrent callers share one load, and a failed load is not kept.
 * @example const counts = cachedFor(15_000, () => countJobs()); await counts.get()
 */
export function cachedFor<T>(ttlMs: number, load: () => Promise<T>): { get(): Promise<T> } {
  let value: Promise<T> | undefined;
  let loadedAt = 0;
  return {
    get() {
      if (!value || Date.now() - loadedAt > ttlMs) {
        loadedAt = Date.now();
        value = load();
        value.catch(() => {
          value = undefined;
        });
      }
      return value;
    },
  };
}

/**
 * Prometheus metrics on `GET /metrics`: per-route request counts and latency histograms, pool and job-queue
 * gauges, and the process defaults (event-loop lag, memory, GC). Each app has its own registry.
 */
export const metricsPlugin = fp<MetricsOptions>(async (app: FastifyInstance, { database }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const http = new HttpMetrics();
  registry.registerMetric(http.requests as never);
  registry.registerMetric(http.duration as never);
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = database.poolStats();
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });
  const jobCounts = cachedFor(JOB_COUNTS_TTL_MS, () =>
    database.query<{ queue: string; status: string; count: number }>(JOB_COUNTS_SQL),
  );
  new Gauge({
    name: 'jobs',
    help: 'Jobs in the durable queue by queue and status',
    labelNames: ['queue', 'status'],
    // The same table seen from every worker: aggregated over a cluster, one worker's count, not the sum.
    aggregator: 'first',
    registers: [registry],
    async collect() {
      const rows = await jobCounts.get();
      this.reset();
      for (const row of rows) this.set({ queue: row.queue, status: row.status }, Number(row.count));
    },
  });

  app.decorate('metrics', registry);
  app.addHook('onResponse', (request, reply, done) => {
    http.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
    done();
  });
  // Under `serve --workers N`, the whole server's metrics (see cluster-metrics.ts), else this process's.
  const clusterMetrics = joinClusterMetrics(registry);
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return clusterMetrics ? clusterMetrics() : registry.metrics();
  });
});

// What prom-client's registry reads from a metric besides its values.
const REQUESTS = { name: 'http_requests_total', help: 'HTTP requests', type: 'counter', aggregator: 'sum' };
const DURATION = {
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency',
  type: 'histogram',
  aggregator: 'sum',
};

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Labels {
  readonly method: string;
  readonly route: string;
  readonly status_code: string;
}

interface Series {
  readonly labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative), index as in BUCKETS. */
  readonly buckets: number[];
}

/** prom-client's shape of one exported value. */
interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: Labels;
  exemplar?: null;
}

/**
 * `http_requests_total` and `http_request_duration_seconds` by method, route and status. prom-client's own
 * Counter and Histogram hash and validate the label set on every call (≈ 1 µs a request, two calls); here a
 * request costs three map lookups and a few additions, and the registry gets the same values in the same
 * form (these objects answer `get()` as prom-client's Counter and Histogram do), so `/metrics` is unchanged.
 */
export class HttpMetrics {
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();
  /** In order of first appearance, as prom-client lists label sets. */
  private readonly all: Series[] = [];

  /** One finished request; `elapsedMs` as Fastify's `reply.elapsedTime`. */
  record(method: string, route: string, statusCode: number, elapsedMs: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map<string, Map<number, Series>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, Series>()));
    let series = byStatus.get(statusCode);
    if (!series) {
      series = {
        labels: { method, route, status_code: String(statusCode) },
        count: 0,
        sum: 0,
        buckets: BUCKETS.map(() => 0),
      };
      byStatus.set(statusCode, series);
      this.all.push(series);
    }
    const seconds = elapsedMs / 1000;
    series.count += 1;
    series.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]!) {
        series.buckets[i]! += 1;
        break;
      }
    }
  }

  private reset(): void {
    this.byRoute.clear();
    this.all.length = 0;
  }

  readonly requests = {
    ...REQUESTS,
    get: async () => ({
      ...REQUESTS,
      values: this.all.map((s): MetricValue => ({ value: s.count, labels: s.labels as never })),
    }),
    reset: () => this.reset(),
  };

  readonly duration = {
    ...DURATION,
    /** As prom-client's Histogram: the series labels apart (`sharedLabels`), for the text format. */
    getForPromString: async () => ({
      ...DURATION,
      values: this.all.flatMap((s) => this.histogramValues(s)),
    }),
    /** …and merged into each value's labels, for JSON. */
    get: async () => {
      const data = await this.duration.getForPromString();
      return {
        ...data,
        values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
          ...rest,
          labels: { ...labels, ...sharedLabels },
        })),
      };
    },
    reset: () => this.reset(),
  };

  private histogramValues(s: Series): MetricValue[] {
    const bucket = `${DURATION.name}_bucket`;
    let cumulative = 0;
    const values: MetricValue[] = BUCKETS.map((le, i) => {
      cumulative += s.buckets[i]!;
      return {
        labels: { le },
        sharedLabels: s.labels,
        value: cumulative,
        metricName: bucket,
        exemplar: null,
      };
    });
    values.push(
      { labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket, exemplar: null },
      { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${DURATION.name}_sum` },
      { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${DURATION.name}_count` },
    );
    return values;
  }
}
