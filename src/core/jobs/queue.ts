import { sql } from 'drizzle-orm';
import { executeRows, type DbOrTx } from '../db/database.ts';
import { newId } from '../ids.ts';

export interface EnqueueOptions {
  /** Earliest time to run; default now. */
  readonly runAt?: Date;
  readonly maxAttempts?: number;
  /** While a job with the same queue and key is queued or running, enqueueing another is a no-op. */
  readonly singletonKey?: string;
}

/**
 * Adds a job inside the caller's transaction (or on the database), so the job exists exactly when the
 * change that asked for it commits (outbox pattern). Returns the job id, or undefined for a singleton
 * duplicate.
 * @example await enqueue(tx, 'mail.send', { messageId })
 */
export async function enqueue(
  db: DbOrTx,
  queue: string,
  payload: unknown,
  options: EnqueueOptions = {},
): Promise<string | undefined> {
  const id = newId();
  const runAt = (options.runAt ?? new Date()).toISOString();
  const rows = await executeRows<{ id: string }>(
    db,
    sql`
    insert into jobs (id, queue, payload, max_attempts, run_at, singleton_key)
    values (${id}, ${queue}, ${JSON.stringify(payload)}::jsonb, ${options.maxAttempts ?? 5}, ${runAt}::timestamptz,
            ${options.singletonKey ?? null})
    on conflict do nothing
    returning id`,
  );
  // Only when a row went in (a singleton duplicate inserts nothing).
  if (rows[0]) wakeLocalWorkers();
  return rows[0]?.id;
}

// Workers in this process poll, but wake at once when something here enqueues.
const wakers = new Set<() => void>();
export function onLocalEnqueue(wake: () => void): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}
/** Wakes this process's workers now: for code that inserts jobs itself (a batched write). */
export function wakeLocalWorkers(): void {
  for (const wake of wakers) wake();
}

/** Exponential backoff with full jitter: 2^attempt seconds, capped at an hour. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(3_600_000, 1000 * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
