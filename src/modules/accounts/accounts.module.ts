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
  /** The auth module's `reauthenticate`: the password again before an email change. */
  readonly reauthenticate: AccountsRuntime['reauthenticate'];
}

/**
 * Accounts: CRUD and search under /v1/accounts, deletion with erasure, and the data export (its own
 * `account` section first; other modules register theirs).
 * @example await app.register(accountsModule({ ctx, guard: auth.guard, hasher: auth.hasher, forgetAccount: auth.forgetAccount, reauthenticate: auth.reauthenticate }))
 */
export const accountsModule =
  ({ ctx, guard, hasher, forgetAccount, reauthenticate }: AccountsDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = ctx.database;
    const rt: AccountsRuntime = { db, events: ctx.events, hasher, forgetAccount, reauthenticate };
    await app.register(accountsRoutes, { rt, guard });
    await app.register(accountsExportRoutes, { rt, guard, exports: ctx.exports });
  };
