import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../core/db/database.ts';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
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
          before: decodeCursor(cursor),
          limit: limit + 1,
        });
        const { page, next } = pageOf(rows, limit);
        return { items: page.map(toAuditView), next_cursor: next };
      },
    );
  };
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
