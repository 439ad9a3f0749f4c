import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../../core/errors/app-error.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { actsAsAdmin, principalOf, SECURED, type Guard } from '../auth/index.ts';
import type { CatalogItem } from '../catalog/index.ts';
import type { EvaluationReport } from './engines/evaluate.ts';
import {
  ALL_SCHEMAS,
  RecommendationList,
  RecommendationMetrics,
  RecommendationsQuery,
  SimilarQuery,
} from './recommendations.schemas.ts';
import { recommendFor, similarTo, type RecoDeps, type Recommendation } from './recommendations.service.ts';

/** `/v1/recommendations` (for the caller, or for anyone by an admin), its metrics, and similar items. */
export function recommendationsRoutes(deps: RecoDeps & { guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { guard } = deps;
    for (const schema of ALL_SCHEMAS) app.addSchema(schema);
    const common = { tags: ['recommendations'], security: SECURED };

    app.get(
      '/v1/recommendations',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'Recommendations for you (admins: `account_id=` or `external_user=` for someone else)',
          querystring: RecommendationsQuery,
          response: { 200: RecommendationList, ...problemResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { limit = 20, kind, account_id, external_user } = request.query;
        if ((account_id || external_user) && !actsAsAdmin(principal))
          throw new AppError('FORBIDDEN', 'Only admins ask for someone else’s recommendations.');
        if (account_id && external_user)
          throw new AppError('VALIDATION_FAILED', 'Give account_id or external_user, not both.', {
            errors: [{ path: '/external_user', message: 'must not be given with account_id' }],
          });
        let user = account_id ?? principal.account.id;
        if (external_user) {
          const key = await deps.feedback.resolveExternalUser(external_user);
          if (!key) throw notFound('external user');
          user = key;
        }
        const accountId = external_user ? undefined : user;
        const items = await recommendFor(deps, user, { limit, kind, accountId });
        return { items: items.map(toRecommendationView) };
      },
    );

    app.get(
      '/v1/recommendations/metrics',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary:
            'Offline metrics of each engine on a held-out split of the live data, from the last training',
          response: { 200: RecommendationMetrics, ...problemResponses(401) },
        },
      },
      async () => {
        const served = deps.trainer.current;
        return metricsView(served?.id ?? null, served?.createdAt ?? null, served?.metrics ?? null);
      },
    );

    app.get(
      '/v1/items/:id/similar',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'Items like this one: content similarity blended with co-occurrence',
          params: IdParam,
          querystring: SimilarQuery,
          response: { 200: RecommendationList, ...problemResponses(400, 401, 404, 422) },
        },
      },
      async (request) => {
        const items = await similarTo(deps, request.params.id, request.query.limit ?? 20);
        return { items: items.map(toRecommendationView) };
      },
    );
  };
}

export function toItemView(item: CatalogItem) {
  return {
    id: item.id,
    external_id: item.externalId,
    kind: item.kind,
    title: item.title,
    description: item.description,
    genres: item.genres,
    year: item.year,
    attributes: item.attributes,
    popularity: item.popularity,
  };
}

export function toRecommendationView(r: Recommendation) {
  return { item: toItemView(r.item), score: r.score, engine: r.engine, reason: r.reason };
}

function metricsView(id: string | null, at: Date | null, report: EvaluationReport | null) {
  return {
    model_id: id,
    trained_at: at?.toISOString() ?? null,
    users: report?.users ?? 0,
    items: report?.items ?? 0,
    train_interactions: report?.train ?? 0,
    test_interactions: report?.test ?? 0,
    protocol:
      'per-user stratified random split 75/25 (seed 42), top-10, training items removed, binary relevance',
    engines: (report?.rows ?? []).map((r) => ({
      engine: r.engine,
      precision_at_10: r.precision,
      recall_at_10: r.recall,
      ndcg_at_10: r.ndcg,
      map: r.map,
      coverage: r.coverage,
      training_ms: Math.round(r.trainingMs),
    })),
  };
}
