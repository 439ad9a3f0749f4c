import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../core/errors/app-error.ts';
import { EXPORT_FORMAT, type ExportCollector, type ExportRegistry } from '../../core/export.ts';
import { problemResponses } from '../../core/http/schemas.ts';
import { canActFor, principalOf, SECURED, type Guard } from '../../core/principal.ts';
import type { AccountsRuntime } from './accounts.service.ts';
import * as repo from './accounts.repository.ts';
import { AccountIdParam } from './accounts.schemas.ts';
import { toAccountView } from './accounts.view.ts';

// The account's own section. Each module registers its own (sessions, api_keys, …) naming its columns one
// by one (never `select()`), under their API names: a column added to a table later, a hash perhaps, stays
// out of the export until someone decides it belongs there.
const account: ExportCollector = async (db, id) => {
  const row = await repo.findById(db, id);
  return row ? toAccountView(row) : null;
};

const AccountExport = Type.Object(
  {
    format: Type.Literal(EXPORT_FORMAT),
    version: Type.Literal(1),
    exported_at: Type.String({ format: 'date-time' }),
    account_id: Type.String({ format: 'uuid' }),
    sections: Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'One entry per module holding data about the account: account, sessions, api_keys, ' +
          'linked_identities, email_tokens, mail, and those later modules register. No password, token ' +
          'or secret hash appears anywhere.',
      },
    ),
  },
  { $id: 'AccountExport' },
);

export interface AccountsExportOptions {
  /** The app's registry (`ctx.exports`); the plugin adds the accounts module's own section to it. */
  readonly exports: ExportRegistry;
  readonly rt: AccountsRuntime;
  readonly guard: Guard;
}

/** `GET /v1/accounts/{id}/export`: everything held about the account (itself, or any as an admin). */
export const accountsExportRoutes: FastifyPluginAsyncTypebox<AccountsExportOptions> = async (
  app,
  options,
) => {
  const { rt, guard } = options;
  options.exports.register('account', account);

  app.get(
    '/v1/accounts/:id/export',
    {
      preHandler: guard({ scope: 'accounts:read' }),
      schema: {
        tags: ['accounts'],
        security: SECURED,
        summary:
          'Export every piece of data held about an account, as one JSON document (itself, or any as an admin)',
        params: AccountIdParam,
        response: { 200: AccountExport, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // Someone else's account is 404, as if it did not exist.
      if (!canActFor(principalOf(request), id) || !(await repo.findById(rt.db, id)))
        throw notFound('account');
      const document = await options.exports.collect(rt.db, id);
      request.log.info({ accountId: id }, 'account data exported');
      return reply
        .header('content-disposition', `attachment; filename="bulwark-export-${id}.json"`)
        .header('cache-control', 'no-store')
        .send(document);
    },
  );
};
