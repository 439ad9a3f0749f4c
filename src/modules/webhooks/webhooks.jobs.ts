import type { Logger } from 'pino';
import type { Config } from '../../core/config/config.ts';
import type { SecretBox } from '../../core/crypto/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import type { JobHandler } from '../../core/jobs/worker.ts';
import * as repo from './webhooks.repository.ts';
import { enqueueAttempt, retryDelayMs, type DeliverPayload } from './webhooks.schedule.ts';
import { sendSigned, type AttemptResult } from './webhooks.sender.ts';

export interface DeliverDeps {
  readonly db: Db;
  readonly box: SecretBox;
  readonly config: Pick<Config, 'webhookAllowPrivate' | 'webhookTimeoutMs'>;
  readonly logger: Logger;
}

export type DeliverResult =
  | { readonly status: 'skipped'; readonly reason: 'missing' | 'not pending' }
  | { readonly status: 'succeeded' | 'retrying' | 'failed'; readonly attempt: number };

/**
 * The `webhooks.deliver` handler: one attempt of one delivery. Every HTTP outcome is recorded on the
 * delivery row; a failure queues the next attempt (same transaction as the record) until the schedule is
 * spent. Throws only when the database does, so the queue retries that; at least once, never lost.
 */
export function deliverHandler(deps: DeliverDeps): JobHandler<DeliverPayload> {
  return async (job): Promise<DeliverResult> => {
    const found = await repo.findForSending(deps.db, job.payload.deliveryId);
    if (!found) return { status: 'skipped', reason: 'missing' };
    const { delivery } = found;
    if (delivery.status !== 'pending') return { status: 'skipped', reason: 'not pending' };

    const secret = openSecret(deps.box, found.secretSealed);
    // A secret this instance cannot open (sealed under a master key it does not hold yet, during a
    // rotation) is a failed attempt on the schedule, not a job error: the delivery keeps its next try.
    const result: AttemptResult =
      secret === undefined
        ? { ok: false, status: null, durationMs: 0, error: 'the signing secret cannot be opened here' }
        : await sendSigned(
            found.url,
            { id: messageId(delivery.id), body: delivery.body, secret },
            { timeoutMs: deps.config.webhookTimeoutMs, allowPrivate: deps.config.webhookAllowPrivate },
          );
    const attempt = delivery.attempts + 1;
    const outcome = await record(deps, delivery.id, attempt, result);
    // The URL stays out of the log: receivers often put a token in it.
    deps.logger.info(
      { deliveryId: delivery.id, attempt, outcome, status: result.status, ms: result.durationMs },
      'webhook attempt',
    );
    return { status: outcome, attempt };
  };
}

function openSecret(box: SecretBox, sealed: string): string | undefined {
  try {
    return box.open(sealed).toString('utf8');
  } catch {
    return undefined;
  }
}

/** The `webhook-id` of a delivery: the same on every attempt. */
export const messageId = (deliveryId: string) => `msg_${deliveryId}`;

async function record(
  deps: DeliverDeps,
  id: string,
  attempt: number,
  result: AttemptResult,
): Promise<'succeeded' | 'retrying' | 'failed'> {
  const now = new Date();
  const common = {
    attempts: attempt,
    responseStatus: result.status,
    durationMs: result.durationMs,
    lastError: result.error,
    lastAttemptAt: now,
  };
  if (result.ok) {
    await repo.recordAttempt(deps.db, id, { ...common, status: 'succeeded', nextAttemptAt: null });
    return 'succeeded';
  }
  const delay = retryDelayMs(attempt);
  if (delay === undefined) {
    await repo.recordAttempt(deps.db, id, { ...common, status: 'failed', nextAttemptAt: null });
    return 'failed';
  }
  const next = new Date(now.getTime() + delay);
  await deps.db.transaction(async (tx) => {
    if (await repo.recordAttempt(tx, id, { ...common, status: 'pending', nextAttemptAt: next }))
      await enqueueAttempt(tx, id, attempt + 1, next);
  });
  return 'retrying';
}
