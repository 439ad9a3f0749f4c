// The webhooks module's public surface: other modules and the composition root import only from here.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { deleteBatch, type PurgeTask } from '../../core/jobs/housekeeping.ts';
import type { Guard } from '../auth/index.ts';
import * as repo from './webhooks.repository.ts';
import { registerWebhookEvents } from './webhooks.events.ts';
import { deliverHandler } from './webhooks.jobs.ts';
import { webhooksRoutes } from './webhooks.routes.ts';
import { DELIVER_QUEUE } from './webhooks.schedule.ts';
import { webhookSecretBox } from './webhooks.secrets.ts';

export { WEBHOOK_EVENTS } from './webhooks.events.ts';
export { resealWebhookSecrets } from './webhooks.secrets.ts';
export type { WebhookEvent } from './webhooks.events.ts';

/**
 * Signed webhooks (contract §4): the routes, the outbox subscriptions to the domain events, the
 * `webhooks.deliver` job, the `webhooks` export section and the account-deletion cleanup.
 * @example await app.register(webhooksModule({ ctx, guard: app.auth.guard }))
 */
export function webhooksModule(deps: {
  ctx: AppContext;
  guard: Guard;
  /** The previous master key while `bulwark keys rotate-master` runs: secrets sealed under it still open. */
  previousMasterKey?: Buffer;
}): FastifyPluginAsync {
  const { ctx, guard } = deps;
  return async (app) => {
    const box = webhookSecretBox(ctx.masterKey, deps.previousMasterKey);
    const db = ctx.database.db;
    registerWebhookEvents(ctx.events);
    ctx.worker.register(
      DELIVER_QUEUE,
      deliverHandler({ db, box, config: ctx.config, logger: ctx.logger.child({ module: 'webhooks' }) }),
    );
    ctx.exports.register('webhooks', async (tx, accountId) =>
      (await repo.exportOf(tx, accountId)).map((w) => ({
        id: w.id,
        url: w.url,
        events: w.events,
        all_accounts: w.allAccounts,
        created_at: w.createdAt.toISOString(),
      })),
    );
    ctx.housekeeping.register('webhook_deliveries', purgeFinishedDeliveries);
    await app.register(webhooksRoutes({ db, box, allowPrivate: ctx.config.webhookAllowPrivate, guard }));
  };
}

/** Deliveries that succeeded or failed more than RETENTION_JOBS ago: their log lives as long as the jobs'. */
const purgeFinishedDeliveries: PurgeTask = (database, retention, limit) =>
  deleteBatch(
    database,
    'webhook_deliveries',
    'id',
    `status in ('succeeded', 'failed') and last_attempt_at < now() - make_interval(secs => $1)`,
    [retention.jobs],
    limit,
  );
