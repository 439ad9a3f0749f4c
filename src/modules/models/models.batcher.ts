import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { AppError } from '../../core/errors/app-error.ts';
import type { ModelSignature } from '../../db/schema/models.ts';
import { fromOrtTensor, sliceRows, toOrtTensor, type PlainTensor, type Prepared } from './models.tensors.ts';

export interface BatchSettings {
  readonly maxBatchSize: number;
  readonly maxDelayMs: number;
  readonly maxQueueRows: number;
  readonly timeoutMs: number;
}

export interface BatchObserver {
  queued(rows: number): void;
  ran(batchRows: number, seconds: number): void;
}

export type Outputs = Record<string, PlainTensor>;

interface Pending {
  readonly feeds: Record<string, Prepared>;
  readonly rows: number;
  /** Inner dimensions of every input: only requests with the same ones stack. */
  readonly innerKey: string;
  readonly resolve: (outputs: Outputs) => void;
  readonly reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

// Batched runs of one version in flight at once: the next batch gathers while they compute. Unbatched
// requests (batching off, or a model without a batch dimension) each run alone, so more may start together.
const MAX_IN_FLIGHT = 2;
const MAX_IN_FLIGHT_UNBATCHED = 64;

/**
 * Micro-batching for one model version ("continuous" batching): concurrent requests are stacked along the
 * first dimension up to `maxBatchSize` rows, run once, and split back by row offsets. An idle batcher flushes
 * at the end of the current event-loop turn (setImmediate), so everything that arrived in the same I/O poll
 * stacks and nobody waits on a timer; requests that arrive while a run is in flight gather until it ends (or
 * up to `maxDelayMs` before a second run starts beside it). Under load batches grow by themselves; alone, a
 * request waits for no one. The queue is bounded in rows (503 when full) and each request has a deadline
 * (504). Models without a dynamic first dimension on every input and output run one request per run.
 */
export class Batcher {
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private paused = false;
  settings: BatchSettings;
  private readonly signature: ModelSignature;
  private readonly session: () => Promise<InferenceSession>;
  private readonly observer: BatchObserver;
  readonly batchable: boolean;

  constructor(
    signature: ModelSignature,
    settings: BatchSettings,
    session: () => Promise<InferenceSession>,
    observer: BatchObserver,
  ) {
    this.signature = signature;
    this.settings = settings;
    this.session = session;
    this.observer = observer;
    this.batchable = [...signature.inputs, ...signature.outputs].every(
      (t) => t.shape.length > 0 && (typeof t.shape[0] === 'string' || t.shape[0] === -1),
    );
  }

  /** Queues a validated request; resolves with its own rows of every output. */
  submit(feeds: Record<string, Prepared>, timeoutMs = this.settings.timeoutMs): Promise<Outputs> {
    const first = Object.values(feeds)[0];
    const rows = this.batchable && first ? (first.dims[0] ?? 1) : 1;
    if (this.queuedRows + rows > this.settings.maxQueueRows) {
      return Promise.reject(
        new AppError('UNAVAILABLE', 'The model is busy: its queue is full. Retry shortly.', {
          headers: { 'retry-after': '1' },
        }),
      );
    }
    const innerKey = Object.entries(feeds)
      .map(([name, t]) => `${name}:${t.dims.slice(1).join('x')}`)
      .join('|');
    return new Promise<Outputs>((resolve, reject) => {
      const pending: Pending = { feeds, rows, innerKey, resolve, reject, settled: false };
      pending.timer = setTimeout(
        () => this.expire(pending, timeoutMs),
        Math.min(timeoutMs, this.settings.timeoutMs),
      );
      this.queue.push(pending);
      this.queuedRows += rows;
      this.observer.queued(this.queuedRows);
      this.schedule();
    });
  }

  /** Stops dispatching (tests provoke a full queue or a deadline with it); queued requests wait. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule(true);
  }

  get depth(): number {
    return this.queuedRows;
  }

  /** Fails everything still queued (the version was deleted or the app is closing). */
  close(reason: AppError): void {
    for (const pending of this.queue.splice(0)) this.settle(pending, undefined, reason);
    this.queuedRows = 0;
    this.cancelFlush();
  }

  private cancelFlush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private expire(pending: Pending, timeoutMs: number): void {
    const index = this.queue.indexOf(pending);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.queuedRows -= pending.rows;
      this.observer.queued(this.queuedRows);
    }
    this.settle(
      pending,
      undefined,
      new AppError('TIMEOUT', `The prediction took longer than ${timeoutMs} ms.`),
    );
  }

  private settle(pending: Pending, outputs: Outputs | undefined, error?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (outputs) pending.resolve(outputs);
    else pending.reject(error);
  }

  private get unbatched(): boolean {
    return !this.batchable || this.settings.maxBatchSize <= 1;
  }

  private schedule(now = false): void {
    if (this.paused || this.queue.length === 0) return;
    const limit = this.unbatched ? MAX_IN_FLIGHT_UNBATCHED : MAX_IN_FLIGHT;
    if (this.inFlight >= limit) return; // the end of a run flushes what gathered meanwhile
    if (now) {
      this.flush();
      return;
    }
    const full = this.unbatched || this.queuedRows >= this.settings.maxBatchSize;
    if (this.inFlight === 0 || full || this.settings.maxDelayMs === 0) {
      // Idle, or a full batch: run at the end of this event-loop turn, with whatever else it brought.
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
      return;
    }
    // A run is in flight and the batch is partial: gather until it ends, or start beside it after the delay.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.settings.maxDelayMs);
  }

  /** Starts runs for everything queued, up to the in-flight limit. */
  private flush(): void {
    this.cancelFlush();
    const limit = this.unbatched ? MAX_IN_FLIGHT_UNBATCHED : MAX_IN_FLIGHT;
    while (!this.paused && this.queue.length > 0 && this.inFlight < limit) void this.dispatch();
  }

  private take(): Pending[] {
    const head = this.queue.shift();
    if (!head) return [];
    const batch = [head];
    let rows = head.rows;
    if (!this.unbatched) {
      for (let i = 0; i < this.queue.length;) {
        const next = this.queue[i]!;
        if (rows + next.rows > this.settings.maxBatchSize) break;
        if (next.innerKey !== head.innerKey) {
          i++;
          continue;
        }
        batch.push(next);
        rows += next.rows;
        this.queue.splice(i, 1);
      }
    }
    this.queuedRows -= rows;
    this.observer.queued(this.queuedRows);
    return batch;
  }

  private async dispatch(): Promise<void> {
    const batch = this.take();
    if (batch.length === 0) return;
    this.inFlight++;
    const rows = batch.reduce((n, p) => n + p.rows, 0);
    try {
      const feeds: Record<string, Tensor> = {};
      for (const spec of this.signature.inputs) {
        const parts = batch.map((p) => p.feeds[spec.name]!);
        const dims = parts.length === 1 ? parts[0]!.dims : [rows, ...parts[0]!.dims.slice(1)];
        feeds[spec.name] = toOrtTensor(
          spec.type,
          dims,
          parts.map((p) => p.flat),
        );
      }
      const session = await this.session();
      const started = process.hrtime.bigint();
      const results = await session.run(feeds);
      this.observer.ran(rows, Number(process.hrtime.bigint() - started) / 1e9);
      const plain: Outputs = {};
      for (const [name, tensor] of Object.entries(results)) plain[name] = fromOrtTensor(tensor);
      if (batch.length === 1) {
        this.settle(batch[0]!, plain);
      } else {
        let offset = 0;
        for (const pending of batch) {
          const mine: Outputs = {};
          for (const [name, tensor] of Object.entries(plain)) {
            if (tensor.dims[0] !== rows) throw new Error(`output ${name} has no batch dimension`);
            mine[name] = sliceRows(tensor, offset, pending.rows);
          }
          offset += pending.rows;
          this.settle(pending, mine);
        }
      }
    } catch (error) {
      // Inputs were checked against the signature; what onnxruntime still refuses (inputs whose dynamic
      // dimensions disagree with each other) is the caller's when it ran alone.
      const failure =
        error instanceof AppError
          ? error
          : batch.length === 1
            ? new AppError(
                'VALIDATION_FAILED',
                `The model could not run on these inputs: ${String((error as Error).message).slice(0, 300)}`,
              )
            : new AppError('INTERNAL', 'The model failed to run.', { cause: error });
      for (const pending of batch) this.settle(pending, undefined, failure);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.schedule(true);
      else this.schedule();
    }
  }
}
