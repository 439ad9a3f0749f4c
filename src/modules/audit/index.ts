// The audit module's public surface: other modules, the CLI and the composition root import only from here.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import { registerAuditListeners } from './audit.events.ts';
import { auditRoutes } from './audit.routes.ts';

export { canonicalContent, chainHash, GENESIS_HASH } from './audit.chain.ts';
export { registerAuditListeners } from './audit.events.ts';
export { append as appendAudit } from './audit.repository.ts';
export type { AuditEntry } from './audit.repository.ts';
export { verifyAuditChain } from './audit.verify.ts';
export type { ChainReport } from './audit.verify.ts';

/**
 * The hash-chained audit log: records certificate changes and `ca.operation` events in their transaction,
 * and serves `GET /v1/audit` to admins. The chain is checked by `bulwark audit verify`.
 * @example await app.register(auditModule({ ctx, guard: app.auth.guard }))
 */
export function auditModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  return async (app) => {
    registerAuditListeners(deps.ctx.events);
    await app.register(auditRoutes({ db: deps.ctx.database.db, guard: deps.guard }));
  };
}
