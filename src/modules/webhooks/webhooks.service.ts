import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../core/crypto/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import { AppError, conflict, notFound, validationFailed } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import { actsAsAdmin, canActFor, type Principal } from '../auth/index.ts';
import * as repo from './webhooks.repository.ts';
import { attemptKey, enqueueAttempt, DELIVER_QUEUE } from './webhooks.schedule.ts';
import type { CreateWebhookBody } from './webhooks.schemas.ts';
import { checkTargetUrl } from './target-url.ts';
import { sql } from 'drizzle-orm';

export interface WebhooksDeps {
  readonly db: Db;
  readonly box: SecretBox;
  readonly allowPrivate: boolean;
}

/** Enough for every integration an account plausibly has; bounds the fan-out of one event. */
export const MAX_WEBHOOKS_PER_ACCOUNT = 25;

/**
 * Registers a webhook for the caller. Subscribing to certificate events needs `certificates:read`, to
 * account events `accounts:read` (a webhook is a standing read of that data); `all_accounts` needs admin.
 */
export async function createWebhook(deps: WebhooksDeps, principal: Principal, body: CreateWebhookBody) {
  if (body.all_accounts && !actsAsAdmin(principal))
    throw new AppError('FORBIDDEN', 'Only admins receive every account’s events.');
  for (const event of body.events) {
    const scope = event.startsWith('certificate.') ? 'certificates:read' : 'accounts:read';
    if (!principal.scopes.includes(scope))
      throw new AppError('FORBIDDEN', `Subscribing to ${event} needs the ${scope} scope.`);
  }
  const secret = body.secret ?? generateSecret();
  checkSecret(secret);
  const url = await checkTargetUrl(body.url, deps.allowPrivate);
  const accountId = principal.account.id;
  const row = await deps.db.transaction(async (tx) => {
    // Serializes one account's creations, so the cap holds under concurrent requests.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhooks:${accountId}`}))`);
    if ((await repo.countOf(tx, accountId)) >= MAX_WEBHOOKS_PER_ACCOUNT)
      throw conflict(`An account has at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks; delete one first.`);
    return repo.insert(tx, {
      id: newId(),
      accountId,
      url,
      events: [...body.events],
      allAccounts: body.all_accounts ?? false,
      secretSealed: deps.box.seal(secret),
    });
  });
  return { ...toWebhookView(row), secret };
}

/** A webhook the principal may see; someone else's is 404, as if absent. */
export async function visibleWebhook(db: Db, principal: Principal, id: string): Promise<repo.WebhookRow> {
  const row = await repo.findById(db, id);
  if (!row || !canActFor(principal, row.accountId)) throw notFound('webhook');
  return row;
}

export async function deleteWebhook(db: Db, principal: Principal, id: string): Promise<void> {
  await visibleWebhook(db, principal, id);
  if (!(await repo.remove(db, id))) throw notFound('webhook');
}

/**
 * Sends a delivery again now. A finished one (succeeded or failed) is reopened for one more attempt (and
 * the rest of the schedule if that fails before it is spent); a pending one has its next attempt moved to now.
 */
export async function retryDelivery(
  deps: WebhooksDeps,
  principal: Principal,
  id: string,
  deliveryId: string,
) {
  await visibleWebhook(deps.db, principal, id);
  return deps.db.transaction(async (tx) => {
    const delivery = await repo.findDelivery(tx, id, deliveryId);
    if (!delivery) throw notFound('delivery');
    const now = new Date();
    const reopened = await repo.reopen(tx, deliveryId, now);
    if (reopened) {
      await enqueueAttempt(tx, deliveryId, reopened.attempts + 1, now);
      return reopened;
    }
    const pending = (await repo.setNextAttempt(tx, deliveryId, now)) ?? delivery;
    await tx.execute(
      sql`update jobs set run_at = now(), updated_at = now()
          where queue = ${DELIVER_QUEUE} and status = 'queued'
            and singleton_key = ${attemptKey(deliveryId, pending.attempts + 1)}`,
    );
    return pending;
  });
}

/** `whsec_` + base64 of 32 random bytes (Standard Webhooks allows 24..64). */
export const generateSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

function checkSecret(secret: string): void {
  const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
  if (bytes < 24 || bytes > 64) {
    throw validationFailed([
      { path: '/body/secret', message: 'The secret must be whsec_ + base64 of 24 to 64 random bytes.' },
    ]);
  }
}

export function toWebhookView(row: repo.WebhookRow) {
  return {
    id: row.id,
    owner_id: row.accountId,
    url: row.url,
    events: row.events,
    all_accounts: row.allAccounts,
    created_at: row.createdAt.toISOString(),
  };
}

export function toDeliveryView(row: repo.DeliveryRow) {
  return {
    id: row.id,
    webhook_id: row.webhookId,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    response_status: row.responseStatus,
    duration_ms: row.durationMs,
    last_error: row.lastError,
    last_attempt_at: row.lastAttemptAt?.toISOString() ?? null,
    next_attempt_at: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    created_at: row.createdAt.toISOString(),
  };
}
