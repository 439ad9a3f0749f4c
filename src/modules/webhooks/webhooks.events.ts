import type { DbOrTx } from '../../core/db/database.ts';
import type { CertificateEventData, DomainEventHooks, DomainEvents } from '../../core/events.ts';
import { newId } from '../../core/ids.ts';
import * as repo from './webhooks.repository.ts';
import { attemptKey, DELIVER_QUEUE, enqueueAttempt, MAX_JOB_ATTEMPTS } from './webhooks.schedule.ts';
import { SQL_UUID_V7, type WritePart } from '../../core/db/writes.ts';
import { wakeLocalWorkers } from '../../core/jobs/queue.ts';

/** The events a webhook may subscribe to (contract §4). */
export const WEBHOOK_EVENTS = [
  'certificate.issued',
  'certificate.renewed',
  'certificate.revoked',
  'certificate.activated',
  'certificate.deactivated',
  'certificate.expiring',
  'account.deleted',
  'account.linked',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

type CertificateEvent = Extract<WebhookEvent, `certificate.${string}`>;
const CERTIFICATE_EVENTS = WEBHOOK_EVENTS.filter((e): e is CertificateEvent => e.startsWith('certificate.'));

/**
 * Subscribes the outbox to the domain events: each event becomes one delivery row and one queued job per
 * subscribed webhook, inside the transaction of the change. An account's deletion first removes its own
 * webhooks (their URLs are its data), then notifies the admins' all-accounts webhooks.
 * @example registerWebhookEvents(ctx.events)
 */
export function registerWebhookEvents(events: DomainEventHooks): void {
  // Plain writes: issuance folds them into the statement that inserts the certificate.
  for (const name of CERTIFICATE_EVENTS) {
    events.onWrite(name, (event) =>
      fanOutPart(name, event.certificate.ownerId, certificateData(event.certificate, event)),
    );
  }
  events.on('account.linked', (tx, { accountId, provider }) =>
    fanOut(tx, 'account.linked', accountId, { account_id: accountId, provider }),
  );
  events.on('account.deleted', async (tx, { accountId }) => {
    await repo.removeAllOf(tx, accountId);
    await fanOut(tx, 'account.deleted', accountId, { account_id: accountId });
  });
}

/**
 * The `data` of a certificate event, field by field: whatever else a CertificateEventData may one day
 * carry, only these reach a receiver (never a key, a hash or a token).
 */
function certificateData(
  c: CertificateEventData,
  event: DomainEvents[CertificateEvent],
): Record<string, unknown> {
  return {
    id: c.id,
    owner_id: c.ownerId,
    serial_number: c.serial,
    common_name: c.commonName,
    sans: [...c.sans],
    profile: c.profile,
    status: c.status,
    not_before: c.notBefore,
    not_after: c.notAfter,
    renewed_from: c.renewedFrom ?? null,
    revocation_reason: c.revocationReason ?? null,
    ...('daysLeft' in event ? { days_left: event.daysLeft } : {}),
  };
}

async function fanOut(db: DbOrTx, type: WebhookEvent, ownerId: string, data: Record<string, unknown>) {
  const webhookIds = await repo.subscribersOf(db, type, ownerId);
  if (webhookIds.length === 0) return;
  const now = new Date();
  // The exact bytes every attempt sends: the signature covers them, and retries must match.
  const body = JSON.stringify({ type, timestamp: now.toISOString(), data });
  const rows = webhookIds.map((webhookId) => ({
    id: newId(),
    webhookId,
    eventType: type,
    body,
    nextAttemptAt: now,
  }));
  await repo.insertDeliveries(db, rows);
  for (const row of rows) await enqueueAttempt(db, row.id, 1, now);
}

/**
 * `fanOut` as one write (core/db/writes.ts): a delivery per subscribed webhook and its first attempt's job,
 * as `enqueueAttempt` queues it (same queue, payload, attempts and singleton key), ids made by PostgreSQL.
 * Costs one statement whether or not anyone subscribed, where `fanOut` asks first.
 */
function fanOutPart(type: WebhookEvent, ownerId: string, data: Record<string, unknown>): WritePart {
  const now = new Date().toISOString();
  // The exact bytes every attempt sends: the signature covers them, and retries must match.
  const body = JSON.stringify({ type, timestamp: now, data });
  return {
    key: 'webhooks_fan_out',
    ctes: FAN_OUT_CTES,
    values: [type, ownerId, body, now, DELIVER_QUEUE, attemptKey('', 1)],
    counted: 'jobs',
    done: (jobs) => {
      if (jobs > 0) wakeLocalWorkers();
    },
  };
}

const FAN_OUT_CTES: WritePart['ctes'] = [
  [
    'deliveries',
    `insert into webhook_deliveries (id, webhook_id, event_type, body, next_attempt_at)
     select ${SQL_UUID_V7}, w.id, $1::text, $3::text, $4::timestamptz
     from (${repo.SUBSCRIBERS.text}) w
     returning id`,
  ],
  [
    'jobs',
    `insert into jobs (id, queue, payload, max_attempts, run_at, singleton_key)
     select ${SQL_UUID_V7}, $5::text, jsonb_build_object('deliveryId', d.id), ${MAX_JOB_ATTEMPTS},
       $4::timestamptz, d.id::text || $6::text
     from {deliveries} d
     on conflict do nothing
     returning id`,
  ],
];
