// The audit module's public surface: other modules, the CLI and the composition root import only from here.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import { startChainer } from './audit.chainer.ts';
import { registerAuditListeners } from './audit.events.ts';
import { auditRoutes } from './audit.routes.ts';

export { canonicalContent, chainHash, GENESIS_HASH } from './audit.chain.ts';
export { chainPending } from './audit.chainer.ts';
export { registerAuditListeners } from './audit.events.ts';
export { append as appendAudit } from './audit.repository.ts';
export type { AuditEntry } from './audit.repository.ts';
export { verifyAuditChain } from './audit.verify.ts';
export type { ChainReport } from './audit.verify.ts';

/** How often committed rows are linked into the chain. */
const CHAIN_INTERVAL_MS = 1000;

/**
 * The hash-chained audit log: records certificate changes and `ca.operation` events in their transaction,
 * links them into the chain about every second (on instances running job workers), and serves
 * `GET /v1/audit` to admins. `bulwark audit verify` checks the chain.
 * @example await app.register(auditModule({ ctx, guard }))
 */
export function auditModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  const { ctx, guard } = deps;
  return async (app) => {
    const db = ctx.database.db;
    registerAuditListeners(ctx.events);
    if (ctx.config.jobWorkers) {
      let stop: (() => Promise<void>) | undefined;
      app.addHook('onReady', async () => {
        stop = startChainer(db, CHAIN_INTERVAL_MS, ctx.logger);
      });
      app.addHook('onClose', async () => stop?.());
    }
    await app.register(auditRoutes({ db, guard }));
  };
}
