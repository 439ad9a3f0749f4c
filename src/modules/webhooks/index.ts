// The webhooks module's public surface: other modules and the composition root import only from here.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { createSecretBox } from '../../core/crypto/secret-box.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import type { Guard } from '../auth/index.ts';
import * as repo from './webhooks.repository.ts';
import { registerWebhookEvents } from './webhooks.events.ts';
import { deliverHandler } from './webhooks.jobs.ts';
import { webhooksRoutes } from './webhooks.routes.ts';
import { DELIVER_QUEUE } from './webhooks.schedule.ts';

export { WEBHOOK_EVENTS } from './webhooks.events.ts';
export type { WebhookEvent } from './webhooks.events.ts';

const SECRET_PURPOSE = 'webhook-secrets';

/**
 * Signed webhooks (contract §4): the routes, the outbox subscriptions to the domain events, the
 * `webhooks.deliver` job, the `webhooks` export section and the account-deletion cleanup.
 * @example await app.register(webhooksModule({ ctx, guard: app.auth.guard }))
 */
export function webhooksModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  const { ctx, guard } = deps;
  return async (app) => {
    const box = createSecretBox(ctx.masterKey, SECRET_PURPOSE);
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
    await app.register(webhooksRoutes({ db, box, allowPrivate: ctx.config.webhookAllowPrivate, guard }));
  };
}

/**
 * Reseals every webhook secret from one master key to another, in the caller's transaction: for
 * `bulwark keys rotate-master`, which must call it with the same transaction as its own rewrap.
 * @example await resealWebhookSecrets(tx, oldMasterKey, newMasterKey)
 */
export async function resealWebhookSecrets(db: DbOrTx, from: Buffer, to: Buffer): Promise<number> {
  const opener = createSecretBox(from, SECRET_PURPOSE);
  const sealer = createSecretBox(to, SECRET_PURPOSE);
  const rows = await repo.allSealedSecrets(db);
  await repo.updateSealedSecrets(
    db,
    rows.map((r) => ({ id: r.id, secretSealed: sealer.seal(opener.open(r.secretSealed)) })),
  );
  return rows.length;
}
