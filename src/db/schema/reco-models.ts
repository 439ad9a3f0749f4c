import { customType, index, integer, jsonb, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/**
 * Trained recommendation models (every engine in one blob, see engines/model-codec.ts). The newest row is
 * the one served; an instance that starts loads it, so a restart serves at once. A few older rows are kept
 * for inspection and pruned by the trainer.
 */
export const recoModels = pgTable(
  'reco_models',
  {
    id: uuid('id').primaryKey(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** Feedback changed up to this instant is in the model (the next "enough new feedback" counts after it). */
    dataAt: timestamp('data_at', { withTimezone: true, precision: 3 }).notNull(),
    users: integer('users').notNull(),
    interactions: integer('interactions').notNull(),
    trainingMs: integer('training_ms').notNull(),
    /** Catalogue item id of each model index, in order. */
    itemIds: jsonb('item_ids').$type<string[]>().notNull(),
    /** Held-out metrics of each engine, computed at training time (GET /v1/recommendations/metrics). */
    metrics: jsonb('metrics').$type<Record<string, unknown> | null>(),
    model: bytea('model').notNull(),
  },
  (t) => [index('reco_models_created_at_idx').on(t.createdAt)],
);
