import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../../core/principal.ts';
import { accountsExportRoutes } from './accounts.export.ts';
import { accountsRoutes } from './accounts.routes.ts';
import type { AccountsRuntime } from './accounts.service.ts';

export interface AccountsDeps {
  readonly ctx: AppContext;
  readonly guard: Guard;
  /** The auth module's password hasher. */
  readonly hasher: AccountsRuntime['hasher'];
  /** The auth module's `forgetAccount`: drops cached credential state after a committed change. */
  readonly forgetAccount: (accountId: string) => void;
}

/**
 * Accounts: CRUD and search under /v1/accounts, deletion with erasure, and the data export (its own
 * `account` section first; other modules register theirs).
 * @example await app.register(accountsModule({ ctx, guard: auth.guard, hasher: auth.hasher, forgetAccount: auth.forgetAccount }))
 */
export const accountsModule =
  ({ ctx, guard, hasher, forgetAccount }: AccountsDeps): FastifyPluginAsync =>
  async (app) => {
    const rt: AccountsRuntime = { db: ctx.database.db, events: ctx.events, hasher, forgetAccount };
    await app.register(accountsRoutes, { rt, guard });
    await app.register(accountsExportRoutes, { rt, guard, exports: ctx.exports });
  };
