import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { healthRoutes } from './health.routes.ts';

/**
 * `/healthz` and `/readyz`.
 * @example await app.register(healthModule({ ctx }))
 */
export const healthModule =
  ({ ctx }: { ctx: AppContext }): FastifyPluginAsync =>
  async (app) => {
    await app.register(healthRoutes, { database: ctx.database });
  };
