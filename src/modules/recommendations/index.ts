// The recommendations module's public surface: other modules and the composition root import only from here.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import { createCatalogReader } from '../catalog/index.ts';
import { createFeedbackReader } from '../feedback/index.ts';
import { recommendForAccounts, type GroupOptions } from './recommendations.groups.ts';
import { recommendationsRoutes } from './recommendations.routes.ts';
import type { RecoDeps, Recommendation } from './recommendations.service.ts';
import { RecoTrainer } from './recommendations.trainer.ts';

export { evaluate, type EvaluationReport, type MetricRow } from './engines/evaluate.ts';
export { readItemsFile, readRatingsFile } from './recommendations.evaluation.ts';
export { toRecommendationView } from './recommendations.routes.ts';
export type { Aggregation, GroupOptions } from './recommendations.groups.ts';
export type { Recommendation } from './recommendations.service.ts';
export type { RecoTrainer } from './recommendations.trainer.ts';

/** What app.ts holds: the trainer (tests and benchmarks drive it) and the group entry point. */
export interface Recommendations {
  readonly trainer: RecoTrainer;
  /** Recommendations for a group of accounts (the groups module), excluding anything any member has seen. */
  recommendForAccounts(accountIds: readonly string[], options: GroupOptions): Promise<Recommendation[]>;
}

/**
 * The engines and their model, built from the catalogue's and the feedback's readers.
 * @example const reco = createRecommendations(ctx); await reco.trainer.train()
 */
export function createRecommendations(ctx: AppContext): Recommendations & { readonly deps: RecoDeps } {
  const catalog = createCatalogReader(ctx.database.db);
  const feedback = createFeedbackReader(ctx.database.db);
  const trainer = new RecoTrainer({
    database: ctx.database,
    catalog,
    feedback,
    config: ctx.config.reco,
    logger: ctx.logger.child({ module: 'recommendations' }),
  });
  const deps: RecoDeps = { trainer, catalog, feedback };
  return {
    trainer,
    deps,
    recommendForAccounts: (accountIds, options) => recommendForAccounts(deps, accountIds, options),
  };
}

/**
 * Recommendations (contract §7): the routes, and the trainer that loads the stored model when the app is
 * ready (a restart serves at once) and retrains on schedule and on new feedback.
 * @example await app.register(recommendationsModule({ ctx, guard, reco: createRecommendations(ctx) }))
 */
export function recommendationsModule(deps: {
  ctx: AppContext;
  guard: Guard;
  reco: ReturnType<typeof createRecommendations>;
}): FastifyPluginAsync {
  const { guard, reco } = deps;
  return async (app) => {
    await app.register(recommendationsRoutes({ ...reco.deps, guard }));
    app.addHook('onReady', () => reco.trainer.start());
    app.addHook('onClose', () => reco.trainer.stop());
  };
}
