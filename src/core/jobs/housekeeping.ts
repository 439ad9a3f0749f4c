import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { newId } from '../ids.ts';
import { errSerializer } from '../observability/log-safety.ts';
import type { JobWorker } from './worker.ts';

/** How long what has ended is kept before the purge (RETENTION_* settings), in seconds. */
export interface Retention {
  /** Finished jobs (completed, failed, cancelled), from `finished_at`. */
  readonly jobs: number;
  /** Ended sign-in sessions (revoked, expired or idle), with their refresh tokens. */
  readonly sessions: number;
  /** Expired refresh tokens, used or expired account tokens, expired OAuth states. */
  readonly tokens: number;
}

/**
 * One purge: deletes rows that ended before the cutoffs, at most `limit` of them, and says how many.
 * Housekeeping calls it again while it deletes a full batch, so no statement holds locks for long.
 */
export type PurgeTask = (database: Database, retention: Retention, limit: number) => Promise<number>;

export const HOUSEKEEPING_QUEUE = 'housekeeping.purge';
const BATCH = 5000;

/**
 * Periodic purges of what has ended. Modules register their own tables' purge (`register`); every
 * instance with a job worker calls `schedule()` on start and then every interval, which puts one job per
 * interval slot into the durable queue (`singleton_key` = the slot): whichever instance inserts it first
 * wins, the others insert nothing (the slot's job is pending, or has already run), and one worker runs it.
 */
export class Housekeeping {
  readonly #tasks = new Map<string, PurgeTask>();
  readonly #database: Database;
  readonly #retention: Retention;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    database: Database,
    options: { retention: Retention; intervalSeconds: number; logger: Logger },
  ) {
    this.#database = database;
    this.#retention = options.retention;
    this.#intervalMs = options.intervalSeconds * 1000;
    this.#logger = options.logger;
    this.register('jobs', purgeFinishedJobs);
  }

  /**
   * Adds a table's purge, run with the others once per interval.
   * @example ctx.housekeeping.register('sessions', purgeEndedSessions)
   */
  register(name: string, task: PurgeTask): void {
    this.#tasks.set(name, task);
  }

  /** Makes the worker run the purge jobs. */
  attach(worker: JobWorker): void {
    worker.register(HOUSEKEEPING_QUEUE, () => this.runOnce());
  }

  /** Every task to the end; returns the rows deleted per task. */
  async runOnce(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const [name, task] of this.#tasks) {
      let total = 0;
      for (let n = BATCH; n === BATCH; total += n) n = await task(this.#database, this.#retention, BATCH);
      deleted[name] = total;
    }
    this.#logger.info({ deleted }, 'housekeeping purged ended rows');
    return deleted;
  }

  /**
   * Enqueues the current slot's purge unless it is pending or has run; true when this call inserted it.
   * Before the first slot's end, every instance that starts reaches the same slot: only one job runs.
   */
  async schedule(now = Date.now()): Promise<boolean> {
    const slot = Math.floor(now / this.#intervalMs);
    const rows = await this.#database.query<{ id: string }>(
      `insert into jobs (id, queue, payload, max_attempts, singleton_key)
       select $1, $2, '{}'::jsonb, 3, $3
       where not exists (select 1 from jobs where queue = $2 and singleton_key = $3)
       on conflict do nothing
       returning id`,
      [newId(), HOUSEKEEPING_QUEUE, `slot-${slot}`],
    );
    return rows.length > 0;
  }

  /** Schedules now and at every interval, until `stop()`. */
  start(): void {
    const tick = () =>
      void this.schedule().catch((error: unknown) =>
        this.#logger.warn({ err: errSerializer(error) }, 'housekeeping could not be scheduled'),
      );
    tick();
    this.#timer = setInterval(tick, Math.min(this.#intervalMs, 2_147_483_647));
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

/**
 * Deletes up to `limit` rows of `table` matching `condition` (SQL over `params` as $1…), by their `key`;
 * returns how many. `table`, `key` and `condition` are the caller's constants, never input.
 * @example deleteBatch(db, 'oauth_states', 'state_hash', `expires_at < now() - make_interval(secs => $1)`, [3600], 5000)
 */
export async function deleteBatch(
  database: Database,
  table: string,
  key: string,
  condition: string,
  params: readonly unknown[],
  limit: number,
): Promise<number> {
  const [row] = await database.query<{ n: number }>(
    `with d as (
       delete from ${table} where ${key} in (select ${key} from ${table} where ${condition} limit $${params.length + 1})
       returning 1)
     select count(*)::int as n from d`,
    [...params, limit],
  );
  return row?.n ?? 0;
}

/** Jobs finished (completed, failed, cancelled) more than RETENTION_JOBS ago (jobs_finished_idx). */
const purgeFinishedJobs: PurgeTask = (database, retention, limit) =>
  deleteBatch(
    database,
    'jobs',
    'id',
    `status in ('completed', 'failed', 'cancelled') and finished_at < now() - make_interval(secs => $1)`,
    [retention.jobs],
    limit,
  );
