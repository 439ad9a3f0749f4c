import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { problemResponses } from '../../core/http/schemas.ts';
import { SECURED, type Guard } from '../auth/index.ts';
import { list, type AuditRow } from './audit.repository.ts';
import { AuditEntry, AuditList, AuditQuery } from './audit.schemas.ts';

/** `GET /v1/audit` (admins): the chain newest first, filtered, cursor-paged. */
export function auditRoutes(deps: { db: Db; guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    for (const schema of [AuditEntry, AuditList]) app.addSchema(schema);
    app.get(
      '/v1/audit',
      {
        preHandler: deps.guard({ scope: 'admin' }),
        schema: {
          tags: ['audit'],
          summary: 'The audit log (admins), newest first; filters combine with AND',
          security: SECURED,
          querystring: AuditQuery,
          response: { 200: AuditList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const { limit = 20, cursor, action, actor_id, target, since, until } = request.query;
        const rows = await list(deps.db, {
          action,
          actorId: actor_id,
          target,
          since: since === undefined ? undefined : new Date(since),
          until: until === undefined ? undefined : new Date(until),
          beforeSeq: decodeSeqCursor(cursor),
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map(toAuditView),
          next_cursor: rows.length > limit && last ? encodeSeqCursor(last.seq) : null,
        };
      },
    );
  };
}

const encodeSeqCursor = (seq: number) => Buffer.from(`audit:${seq}`).toString('base64url');

function decodeSeqCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^audit:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError('BAD_REQUEST', 'The cursor is not valid; start again without it.');
  return Number(match[1]);
}

function toAuditView(row: AuditRow) {
  return {
    id: row.id,
    seq: row.seq,
    occurred_at: row.occurredAt.toISOString(),
    action: row.action,
    actor_id: row.actorId,
    request_id: row.requestId,
    ip: row.ip,
    target: row.target,
    details: row.details,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}
