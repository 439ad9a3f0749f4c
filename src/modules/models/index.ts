import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { enqueue } from '../../core/jobs/queue.ts';
import type { Guard } from '../auth/index.ts';
import { ModelAccess } from './models.access.ts';
import * as repo from './models.repository.ts';
import { deleteJobsOf } from './models.jobs.repository.ts';
import { modelsRoutes } from './models.routes.ts';
import { ModelRuntime } from './models.runtime.ts';
import { v2Routes } from './models.v2.routes.ts';
import { JOB_QUEUE, jobHandler } from './models.jobs.ts';
import { jobsRoutes } from './models.jobs.routes.ts';
import { modelView } from './models.view.ts';

export type { ModelRuntime } from './models.runtime.ts';

const DELETE_BLOBS = 'models.delete-blobs';
const runtimes = new WeakMap<AppContext, ModelRuntime>();

/** The serving runtime of an app (tests pause a version's batcher through it). */
export const modelRuntimeOf = (ctx: AppContext): ModelRuntime | undefined => runtimes.get(ctx);

/**
 * Model serving (contract §6): the registry and predict under /v1, the V2 inference protocol under /v2,
 * and asynchronous jobs. An account's models are deleted with it; its export lists them.
 * @example await app.register(modelsModule({ ctx, guard: app.auth.guard }))
 */
export function modelsModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  return async (app) => {
    const { ctx, guard } = deps;
    const { models: settings } = ctx.config;
    const runtime = new ModelRuntime(
      ctx.storage,
      settings.cacheBytes,
      { maxQueueRows: settings.maxQueueRows, timeoutMs: settings.timeoutMs },
      app.metrics,
    );
    runtimes.set(ctx, runtime);
    const access = new ModelAccess(ctx);
    const serving = { ctx, runtime, access, guard };

    // The files go in a job, which exists only once the deletion commits: a rolled-back deletion keeps them.
    ctx.worker.register<{ keys: string[] }>(DELETE_BLOBS, async (job) => {
      for (const key of job.payload.keys) await ctx.storage.delete(key);
    });
    ctx.events.on('account.deleted', async (tx, { accountId }) => {
      const owned = await repo.blobKeysOfOwner(tx, accountId);
      for (const { id } of owned) runtime.unload(id);
      runtime.resolved.clear();
      const jobInputs = await deleteJobsOf(tx, accountId);
      await repo.deleteModelsOfOwner(tx, accountId);
      const keys = [...owned.map((o) => o.blobKey), ...jobInputs];
      if (keys.length > 0) await enqueue(tx, DELETE_BLOBS, { keys });
    });
    ctx.exports.register('models', async (db, accountId) => {
      const owned = await repo.modelsOfOwner(db, accountId);
      const versions = await repo.versionsOf(
        db,
        owned.map((m) => m.id),
      );
      return owned.map((m) =>
        modelView(
          m,
          versions.filter((v) => v.modelId === m.id),
        ),
      );
    });

    await app.register(modelsRoutes(serving));
    await app.register(v2Routes(serving));
    await app.register(jobsRoutes(serving));
    ctx.worker.register(JOB_QUEUE, jobHandler(serving));
    app.addHook('preClose', async () => {
      runtime.stopping = true;
    });
    app.addHook('onClose', async () => runtime.close());
  };
}
