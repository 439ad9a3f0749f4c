import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/http/schemas.ts';
import { ITEM_KINDS } from '../catalog/index.ts';
import { ENGINES } from './engines/model.ts';

const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20, description: '1..100, default 20' });
const Kind = Type.Enum(ITEM_KINDS);

export const RecommendationsQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    kind: Type.Optional(Kind),
    account_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Admins: recommend for this account' }),
    ),
    external_user: Type.Optional(
      SafeString({
        minLength: 1,
        maxLength: 200,
        description: 'Admins: recommend for this imported external user',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RecommendationsQuery = Static<typeof RecommendationsQuery>;

export const SimilarQuery = Type.Object({ limit: Type.Optional(Limit) }, { additionalProperties: false });

const RecoItem = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    external_id: Type.Union([Type.String(), Type.Null()]),
    kind: Kind,
    title: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    genres: Type.Array(Type.String()),
    year: Type.Union([Type.Integer(), Type.Null()]),
    attributes: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    popularity: Type.Number(),
  },
  { $id: 'RecommendedItem' },
);

export const RecommendationList = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        item: Type.Ref('RecommendedItem'),
        score: Type.Number({ description: 'Ranking score; comparable within one response only' }),
        engine: Type.Enum(ENGINES, { description: 'The engine that contributed most' }),
        reason: Type.String({ examples: ['because you liked Toy Story', 'popular in Comedy'] }),
      }),
    ),
  },
  { $id: 'RecommendationList' },
);

const MetricRow = Type.Object({
  engine: Type.Enum([...ENGINES, 'blend'] as const),
  precision_at_10: Type.Number(),
  recall_at_10: Type.Number(),
  ndcg_at_10: Type.Number(),
  map: Type.Number(),
  coverage: Type.Number(),
  training_ms: Type.Number(),
});

export const RecommendationMetrics = Type.Object(
  {
    model_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    trained_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    users: Type.Integer(),
    items: Type.Integer(),
    train_interactions: Type.Integer(),
    test_interactions: Type.Integer(),
    protocol: Type.String(),
    engines: Type.Array(MetricRow),
  },
  { $id: 'RecommendationMetrics' },
);

export const ALL_SCHEMAS = [RecoItem, RecommendationList, RecommendationMetrics];
