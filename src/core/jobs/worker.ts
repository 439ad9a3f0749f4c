import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';
import { errSerializer, safeErrorMessage } from '../observability/log-safety.ts';
import { backoffMs, onLocalEnqueue } from './queue.ts';

export interface Job<P = unknown> {
  readonly id: string;
  readonly queue: string;
  readonly payload: P;
  readonly attempts: number;
  readonly maxAttempts: number;
}

export interface JobContext {
  /** Records progress visible to whoever polls the job (e.g. `{done: 40, total: 100}`). */
  progress(value: unknown): Promise<void>;
}

/** A handler returns the job's result (stored as JSON) or throws to have it retried. */
export type JobHandler<P = unknown> = (job: Job<P>, context: JobContext) => Promise<unknown>;

export interface WorkerOptions {
  readonly pollMs: number;
  /** How long a claimed job stays locked before another instance may take it over. */
  readonly leaseMs?: number;
  readonly concurrency?: number;
  readonly logger: Logger;
}

interface ClaimedRow {
  id: string;
  queue: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

/**
 * Runs jobs from the `jobs` table. Claiming uses `FOR UPDATE SKIP LOCKED` with a lease, so instances never
 * run a job twice at once, and a job whose instance died is taken over once its lease expires.
 */
export class JobWorker {
  private readonly handlers = new Map<string, JobHandler<never>>();
  private readonly workerId = `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private polling = false;
  private unsubscribe: (() => void) | undefined;
  private readonly database: Database;
  private readonly options: Required<WorkerOptions>;

  constructor(database: Database, options: WorkerOptions) {
    this.database = database;
    this.options = { leaseMs: 5 * 60_000, concurrency: 4, ...options };
  }

  register<P>(queue: string, handler: JobHandler<P>): void {
    this.handlers.set(queue, handler);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = onLocalEnqueue(() => this.schedule(0));
    this.schedule(0);
  }

  /** Stops claiming and waits for the jobs already running to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
  }

  /** Claims and runs what is due now; resolves when those jobs are done. Used by tests and the poller. */
  async drain(): Promise<number> {
    const free = this.options.concurrency - this.running.size;
    if (free <= 0 || this.handlers.size === 0) return 0;
    const rows = await this.claim(free);
    await Promise.all(rows.map((row) => this.track(this.run(row))));
    return rows.length;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delay);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    let claimed = 0;
    try {
      const free = this.options.concurrency - this.running.size;
      if (free > 0 && this.handlers.size > 0) {
        const rows = await this.claim(free);
        claimed = rows.length;
        for (const row of rows) void this.track(this.run(row));
      }
    } catch (error) {
      this.options.logger.error({ err: errSerializer(error) }, 'job poll failed');
    } finally {
      this.polling = false;
      // A full batch suggests more is waiting: look again at once.
      this.schedule(claimed > 0 ? 0 : this.options.pollMs);
    }
  }

  private track(promise: Promise<void>): Promise<void> {
    this.running.add(promise);
    return promise.finally(() => {
      this.running.delete(promise);
      if (!this.stopped) this.schedule(0);
    });
  }

  private async claim(limit: number): Promise<ClaimedRow[]> {
    return this.database.query<ClaimedRow>(
      `update jobs set status = 'running', attempts = attempts + 1, locked_by = $1,
              locked_until = now() + ($2 || ' milliseconds')::interval, updated_at = now()
       where id in (
         select id from jobs
         where queue = any($3::text[])
           and ((status = 'queued' and run_at <= now()) or (status = 'running' and locked_until < now()))
         order by run_at
         limit $4
         for update skip locked)
       returning id, queue, payload, attempts, max_attempts`,
      [this.workerId, String(this.options.leaseMs), [...this.handlers.keys()], limit],
    );
  }

  private async run(row: ClaimedRow): Promise<void> {
    const handler = this.handlers.get(row.queue);
    if (!handler) return;
    const job: Job<never> = {
      id: row.id,
      queue: row.queue,
      payload: row.payload as never,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    };
    const context: JobContext = {
      progress: async (value) => {
        await this.database.query(`update jobs set progress = $2::jsonb, updated_at = now() where id = $1`, [
          row.id,
          JSON.stringify(value),
        ]);
      },
    };
    try {
      const result = await handler(job, context);
      await this.database.query(
        `update jobs set status = 'completed', result = $2::jsonb, locked_by = null, locked_until = null,
                last_error = null, updated_at = now(), finished_at = now()
         where id = $1 and locked_by = $3`,
        [row.id, JSON.stringify(result ?? null), this.workerId],
      );
    } catch (error) {
      // Never the raw message: a failed insert's carries its bound values (a reset token, a hash).
      const message = safeErrorMessage(error);
      const final = row.attempts >= row.max_attempts;
      this.options.logger.warn(
        { jobId: row.id, queue: row.queue, attempt: row.attempts, final, err: errSerializer(error) },
        'job failed',
      );
      await this.database.query(
        `update jobs set status = $2, last_error = $3, locked_by = null, locked_until = null, updated_at = now(),
                run_at = now() + ($4 || ' milliseconds')::interval,
                finished_at = case when $2 = 'failed' then now() else null end
         where id = $1 and locked_by = $5`,
        [row.id, final ? 'failed' : 'queued', message, String(backoffMs(row.attempts)), this.workerId],
      );
    }
  }
}
