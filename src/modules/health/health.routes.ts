import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Database } from '../../core/db/database.ts';
import { migrationStatus } from '../../core/db/migrations.ts';

const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
    checks: Type.Object({
      database: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
      migrations: Type.Union([Type.Literal('ok'), Type.Literal('pending'), Type.Literal('unknown')]),
    }),
  },
  { $id: 'Readiness' },
);

/** `/healthz` (the process answers) and `/readyz` (database reachable, migrations applied). */
export const healthRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (app, { database }) => {
  app.addSchema(Readiness);
  // Once every migration is applied it stays so while this process runs; stop asking.
  let migrationsApplied = false;

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers and migrations are applied',
        response: { 200: Type.Ref('Readiness'), 503: Type.Ref('Readiness') },
      },
    },
    async (_request, reply) => {
      let databaseOk = true;
      let migrations: 'ok' | 'pending' | 'unknown' = 'unknown';
      try {
        await database.ping();
        if (!migrationsApplied) migrationsApplied = (await migrationStatus(database)).pending === 0;
        migrations = migrationsApplied ? 'ok' : 'pending';
      } catch {
        databaseOk = false;
      }
      const ready = databaseOk && migrations === 'ok';
      reply.code(ready ? 200 : 503);
      return {
        status: ready ? ('ready' as const) : ('not_ready' as const),
        checks: { database: databaseOk ? ('ok' as const) : ('down' as const), migrations },
      };
    },
  );
};
