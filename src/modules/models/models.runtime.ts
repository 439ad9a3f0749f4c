import { InferenceSession } from 'onnxruntime-node';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { TtlCache } from '../../core/cache/ttl-cache.ts';
import { AppError } from '../../core/errors/app-error.ts';
import type { ModelRow, VersionRow } from './models.repository.ts';
import type { BlobStorage } from '../../core/storage/storage.ts';
import type { ModelSignature } from '../../db/schema/models.ts';
import { Batcher, type BatchSettings } from './models.batcher.ts';

/** What the runtime needs of a stored version. */
export interface VersionRef {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly blobKey: string;
  readonly sizeBytes: number;
  readonly signature: ModelSignature;
  readonly maxBatchSize: number;
  readonly maxDelayMs: number;
  /** This version's queue bound in rows; the runtime's default when absent. */
  readonly maxQueue?: number;
}

interface Loaded {
  readonly session: InferenceSession;
}

/**
 * Opens a model for serving, the one place sessions are created (upload's signature check and the cache).
 * One intra-op thread per run: serving runs several small runs at once (batcher, workers), and
 * onnxruntime's spinning pool threads would compete with them and with the event loop for the cores.
 */
export const openSession = (bytes: Uint8Array): Promise<InferenceSession> =>
  InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });

/** Serving metrics per model and version, on the app's /metrics registry. */
class ServingMetrics {
  readonly queue: Gauge;
  readonly batch: Histogram;
  readonly latency: Histogram;
  readonly rows: Counter;
  constructor(registry: Registry) {
    const labelNames = ['model', 'version'];
    const registers = [registry];
    this.queue = new Gauge({
      name: 'model_queue_rows',
      help: 'Rows waiting in a model version\u2019s batching queue',
      labelNames,
      registers,
    });
    this.batch = new Histogram({
      name: 'model_batch_rows',
      help: 'Rows per inference run',
      labelNames,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024],
      registers,
    });
    this.latency = new Histogram({
      name: 'model_inference_seconds',
      help: 'Duration of one inference run (session.run)',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.rows = new Counter({
      name: 'model_rows_total',
      help: 'Rows predicted (rate() gives rows/s)',
      labelNames,
      registers,
    });
  }
}

/**
 * The in-process serving side: onnxruntime sessions cached per version under a byte budget (least recently
 * used evicted; the file size stands for a session's memory), and one batcher per version.
 */
export class ModelRuntime {
  private readonly sessions = new Map<string, Promise<Loaded>>();
  private readonly sizes = new Map<string, number>();
  private readonly batchers = new Map<string, Batcher>();
  private readonly named = new Map<string, string>();
  /** `name@version` → the model and version rows a request resolved to, for a second. */
  readonly resolved = new TtlCache<string, { model: ModelRow; version: VersionRow }>(1000, 10_000);
  /** Set when the app begins to close: running jobs hand themselves back to the queue between chunks. */
  stopping = false;
  /** Awaited after each job chunk is written (tests interrupt a job at a chosen point with it). */
  afterChunk: ((jobId: string, chunk: number) => Promise<void>) | undefined;
  private readonly metrics: ServingMetrics | undefined;
  private readonly storage: BlobStorage;
  private readonly budget: number;
  private readonly defaults: Pick<BatchSettings, 'maxQueueRows' | 'timeoutMs'>;

  constructor(
    storage: BlobStorage,
    budget: number,
    defaults: Pick<BatchSettings, 'maxQueueRows' | 'timeoutMs'>,
    registry?: Registry,
  ) {
    this.storage = storage;
    this.budget = budget;
    this.defaults = defaults;
    this.metrics = registry ? new ServingMetrics(registry) : undefined;
  }

  /** The session of a version, loaded from storage on first use (or after eviction). */
  async session(ref: VersionRef): Promise<InferenceSession> {
    const loading = this.sessions.get(ref.id);
    if (!loading) return (await this.remember(ref, this.load(ref))).session;
    // Most recently used moves to the end of the map's order.
    this.sessions.delete(ref.id);
    this.sessions.set(ref.id, loading);
    return (await loading).session;
  }

  /**
   * Caches a session opened elsewhere (the upload's, which read the signature) instead of loading the file
   * again; releases it when the version has one already.
   */
  adopt(ref: VersionRef, session: InferenceSession): void {
    if (this.sessions.has(ref.id)) void session.release().catch(() => {});
    else void this.remember(ref, Promise.resolve({ session }));
  }

  /** Enters a loading (or loaded) session as the most recently used, evicting others over the budget. */
  private remember(ref: VersionRef, loading: Promise<Loaded>): Promise<Loaded> {
    this.sessions.set(ref.id, loading);
    this.sizes.set(ref.id, ref.sizeBytes);
    loading.catch(() => {
      // A failed load is forgotten, unless it was replaced meanwhile.
      if (this.sessions.get(ref.id) !== loading) return;
      this.sessions.delete(ref.id);
      this.sizes.delete(ref.id);
    });
    this.evict(ref.id);
    return loading;
  }

  private async load(ref: VersionRef): Promise<Loaded> {
    const bytes = await this.storage.get(ref.blobKey);
    if (!bytes)
      throw new AppError('UNAVAILABLE', `The file of ${ref.name} version ${ref.version} is missing.`);
    return { session: await openSession(bytes) };
  }

  private evict(keep: string): void {
    let total = [...this.sizes.values()].reduce((a, b) => a + b, 0);
    for (const id of this.sessions.keys()) {
      if (total <= this.budget) break;
      if (id === keep) continue;
      total -= this.sizes.get(id) ?? 0;
      this.release(id);
    }
  }

  private release(id: string): void {
    const loading = this.sessions.get(id);
    this.sessions.delete(id);
    this.sizes.delete(id);
    // Runs already holding the session finish first: onnxruntime frees it when released, so wait a tick
    // of the batcher rather than pull it from under a run.
    void loading
      ?.then((l) => setTimeout(() => void l.session.release().catch(() => {}), 1000).unref())
      .catch(() => {});
  }

  /** The batcher of a version, created with the version's settings. */
  batcher(ref: VersionRef): Batcher {
    let batcher = this.batchers.get(ref.id);
    const settings = {
      ...this.defaults,
      maxBatchSize: ref.maxBatchSize,
      maxDelayMs: ref.maxDelayMs,
      maxQueueRows: ref.maxQueue ?? this.defaults.maxQueueRows,
    };
    if (!batcher) {
      const labels = { model: ref.name, version: String(ref.version) };
      // Children bound to the labels once: prom-client hashes a label set on every unbound call.
      const m = this.metrics && {
        queue: this.metrics.queue.labels(labels),
        batch: this.metrics.batch.labels(labels),
        latency: this.metrics.latency.labels(labels),
        rows: this.metrics.rows.labels(labels),
      };
      batcher = new Batcher(ref.signature, settings, () => this.session(ref), {
        queued: (rows) => m?.queue.set(rows),
        ran: (rows, seconds) => {
          m?.batch.observe(rows);
          m?.latency.observe(seconds);
          m?.rows.inc(rows);
        },
      });
      this.batchers.set(ref.id, batcher);
      this.named.set(`${ref.name}@${ref.version}`, ref.id);
    } else {
      // Settings change with PATCH (possibly on another worker): the row read for this request wins.
      batcher.settings = settings;
    }
    return batcher;
  }

  /** A version was deleted: queued requests fail, the session is released. */
  unload(id: string): void {
    this.batchers.get(id)?.close(new AppError('NOT_FOUND', 'The model version was deleted.'));
    this.batchers.delete(id);
    if (this.sessions.has(id)) this.release(id);
  }

  /** Forgets what was resolved for a model after a change to it in this process. */
  forget(name: string): void {
    this.resolved.deleteWhere((_value, key) => key.startsWith(`${name}@`));
  }

  /** The batcher of `name` version `version` in this process, once a request has used it. */
  batcherNamed(name: string, version: number): Batcher | undefined {
    const id = this.named.get(`${name}@${version}`);
    return id ? this.batchers.get(id) : undefined;
  }

  /** True when the version's session is in memory. */
  isLoaded(id: string): boolean {
    return this.sessions.has(id);
  }

  close(): void {
    for (const id of [...this.batchers.keys(), ...this.sessions.keys()]) this.unload(id);
  }
}
