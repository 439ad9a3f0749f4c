import type { DbOrTx } from '../../core/db/database.ts';
import { enqueue } from '../../core/jobs/queue.ts';

export const DELIVER_QUEUE = 'webhooks.deliver';

/** Svix's schedule: after the first attempt fails, retry after about 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];
/** The first attempt plus one per step of the schedule; then the delivery is failed. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;

/**
 * How long to wait after `attempt` (1-based) failed attempts, ±20 % jitter so that deliveries failed together
 * (a receiver that was down) do not all come back at the same instant; undefined once the schedule is spent.
 * @example retryDelayMs(1) // about 5000; retryDelayMs(9) // undefined
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number | undefined {
  const base = RETRY_SCHEDULE_MS[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Job-level retries of one attempt (a crashed instance, a database away), not delivery attempts. */
export const MAX_JOB_ATTEMPTS = 10;

export interface DeliverPayload {
  readonly deliveryId: string;
}

/**
 * Queues attempt number `attempt` of a delivery, in the caller's transaction. Keyed by delivery and attempt,
 * so the same attempt is never queued twice. Every HTTP outcome is recorded on the delivery, not thrown; the
 * job's own retries (with the queue's backoff) cover a crashed instance or a database that was away.
 */
export async function enqueueAttempt(db: DbOrTx, deliveryId: string, attempt: number, runAt: Date) {
  const payload: DeliverPayload = { deliveryId };
  return enqueue(db, DELIVER_QUEUE, payload, {
    runAt,
    maxAttempts: MAX_JOB_ATTEMPTS,
    singletonKey: attemptKey(deliveryId, attempt),
  });
}

export const attemptKey = (deliveryId: string, attempt: number) => `${deliveryId}:${attempt}`;
