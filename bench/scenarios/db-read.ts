import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { Type } from 'typebox';
import { AppError } from '../../src/core/errors/app-error.ts';
import { jobs } from '../../src/db/schema/index.ts';
import { get, sendJson, type Scenario } from './scenario.ts';

const PATH = /^\/bench\/jobs\/([^/?]+)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const JobParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const JobView = Type.Object({
  id: Type.String(),
  queue: Type.String(),
  status: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});

/**
 * The route as a real module would write it: TypeBox schemas, Drizzle through the app context, and the hot
 * lookup built once with `.prepare()` (Drizzle otherwise rebuilds the SQL text of all 16 columns per call).
 */
const benchJobRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const findJob = app.ctx.database.db
    .select()
    .from(jobs)
    .where(eq(jobs.id, sql.placeholder('id')))
    .prepare('bench_find_job');
  app.get(
    '/bench/jobs/:id',
    { schema: { hide: true, params: JobParams, response: { 200: JobView } } },
    async (request) => {
      const [row] = await findJob.execute({ id: request.params.id });
      if (!row) throw new AppError('NOT_FOUND', 'There is no such job.');
      return { id: row.id, queue: row.queue, status: row.status, created_at: row.createdAt.toISOString() };
    },
  );
};

/** One primary-key SELECT per request: Drizzle on Bulwark's pool vs `pg` on a pool of the same size. */
export const dbRead: Scenario = {
  name: 'db-read',
  description:
    'GET /bench/jobs/:id → SELECT one `jobs` row by primary key (Bulwark: a Drizzle query prepared once), answer 4 fields as JSON (uuid-validated id)',
  goalRatio: 0.7,
  request: (_server, { fixture }) => get(`/bench/jobs/${fixture.jobId}`),
  extendBulwark: async (app) => {
    await app.register(benchJobRoutes);
  },
  bare({ databaseUrl, poolSize }) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, idleTimeoutMillis: 30_000 });
    pool.on('error', () => undefined);
    return {
      handle(req, res) {
        const id = PATH.exec(req.url ?? '')?.[1];
        if (req.method !== 'GET' || id === undefined) return sendJson(res, 404, { error: 'not found' });
        if (!UUID.test(id)) return sendJson(res, 400, { error: 'id must be a uuid' });
        // `select *` fetches the same columns as Drizzle's `select()`.
        pool
          .query<{ id: string; queue: string; status: string; created_at: Date }>(
            'select * from jobs where id = $1',
            [id],
          )
          .then(
            ({ rows: [row] }) => {
              if (!row) return sendJson(res, 404, { error: 'not found' });
              const { queue, status } = row;
              sendJson(res, 200, { id: row.id, queue, status, created_at: row.created_at.toISOString() });
            },
            () => sendJson(res, 500, { error: 'internal' }),
          );
      },
      close: () => pool.end(),
    };
  },
};
