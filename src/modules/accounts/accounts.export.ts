import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { notFound } from '../../core/errors/app-error.ts';
import { EXPORT_FORMAT, type ExportCollector, type ExportRegistry } from '../../core/export.ts';
import { problemResponses } from '../../core/http/schemas.ts';
import {
  accountTokens,
  accounts,
  apiKeys,
  linkedIdentities,
  mailMessages,
  sessions,
} from '../../db/schema/index.ts';
import type {} from '../auth/auth.module.ts';
import { principalOf, SECURED } from '../auth/auth.guard.ts';
import { canActFor } from '../auth/principal.ts';
import * as repo from './accounts.repository.ts';
import { AccountIdParam } from './accounts.schemas.ts';
import { toAccountView } from './accounts.view.ts';

// Each section names its columns one by one (never `select()`), under their API names: a column added to a
// table later, a hash perhaps, stays out of the export until someone decides it belongs there. Timestamps
// are Dates, which JSON writes as RFC 3339 in UTC.
const SECTIONS: Record<string, ExportCollector> = {
  async account(db, id) {
    const row = await repo.findById(db, id);
    return row ? toAccountView(row) : null;
  },

  sessions: (db, id) =>
    db
      .select({
        id: sessions.id,
        kind: sessions.kind,
        scope: sessions.scope,
        user_agent: sessions.userAgent,
        ip: sessions.ip,
        created_at: sessions.createdAt,
        last_used_at: sessions.lastUsedAt,
        expires_at: sessions.expiresAt,
        revoked_at: sessions.revokedAt,
        revoked_reason: sessions.revokedReason,
      })
      .from(sessions)
      .where(eq(sessions.accountId, id))
      .orderBy(asc(sessions.createdAt), asc(sessions.id)),

  api_keys: (db, id) =>
    db
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        prefix: apiKeys.prefix,
        scopes: apiKeys.scopes,
        created_at: apiKeys.createdAt,
        last_used_at: apiKeys.lastUsedAt,
        expires_at: apiKeys.expiresAt,
        revoked_at: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.accountId, id))
      .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id)),

  linked_identities: (db, id) =>
    db
      .select({
        id: linkedIdentities.id,
        provider: linkedIdentities.provider,
        subject: linkedIdentities.subject,
        email: linkedIdentities.email,
        email_verified: linkedIdentities.emailVerified,
        created_at: linkedIdentities.createdAt,
      })
      .from(linkedIdentities)
      .where(eq(linkedIdentities.accountId, id))
      .orderBy(asc(linkedIdentities.createdAt), asc(linkedIdentities.id)),

  /** Verification and reset links sent: when, to where, whether used (the tokens are stored hashed only). */
  email_tokens: (db, id) =>
    db
      .select({
        id: accountTokens.id,
        purpose: accountTokens.purpose,
        email: accountTokens.email,
        created_at: accountTokens.createdAt,
        expires_at: accountTokens.expiresAt,
        used_at: accountTokens.usedAt,
      })
      .from(accountTokens)
      .where(eq(accountTokens.accountId, id))
      .orderBy(asc(accountTokens.createdAt), asc(accountTokens.id)),

  /** Mail sent to the account's address. Never the bodies: an unsent one still holds a single-use link. */
  mail: (db, id) =>
    db
      .select({
        id: mailMessages.id,
        to: mailMessages.to,
        subject: mailMessages.subject,
        template: mailMessages.template,
        status: mailMessages.status,
        created_at: mailMessages.createdAt,
        sent_at: mailMessages.sentAt,
      })
      .from(mailMessages)
      .innerJoin(
        accounts,
        and(eq(accounts.id, id), sql`lower(${mailMessages.to}) = lower(${accounts.email})`),
      )
      .orderBy(asc(mailMessages.createdAt), asc(mailMessages.id)),
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
  /** The app's registry (`app.ctx.exports`); the plugin adds the accounts module's own sections to it. */
  readonly exports: ExportRegistry;
}

/** `GET /v1/accounts/{id}/export`: everything held about the account (itself, or any as an admin). */
export const accountsExportRoutes: FastifyPluginAsyncTypebox<AccountsExportOptions> = async (
  app,
  options,
) => {
  for (const [name, collect] of Object.entries(SECTIONS)) options.exports.register(name, collect);
  const { rt, guard } = app.auth;

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
