// The catalog module's public surface: other modules and the composition root import only from here.
//
// For the recommendations module (built in app.ts with `createCatalogReader(ctx.database.db)`):
//
//   interface CatalogItem { id; externalId: string | null; kind: ItemKind; title; description: string | null;
//     genres: string[]; year: number | null; attributes: Record<string, unknown> | null;
//     ratingCount: number; ratingMean: number | null; popularity: number }
//   interface CatalogReader {
//     allItems(db?: DbOrTx): Promise<CatalogItem[]>;                        // every item, ordered by id
//     byIds(ids: readonly string[]): Promise<Map<string, CatalogItem>>;
//     popular(opts: { kind?: ItemKind; genres?: readonly string[]; exclude?: ReadonlySet<string>;
//                     limit: number }): Promise<CatalogItem[]>;             // popularity desc, id asc
//   }
//
// For the feedback module: applyRatingDeltas(tx, [{ itemId, count, sum }]) moves the rating counters and the
// items' popularity in the caller's transaction. For the CLI: importItems, refreshPopularity.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import { lastRatingChange, refreshPopularity } from './catalog.popularity.ts';
import * as repo from './catalog.repository.ts';
import { catalogRoutes } from './catalog.routes.ts';
import { suggestionsRoutes } from './catalog.suggestions.routes.ts';
import { toSuggestionView } from './catalog.view.ts';

export { createCatalogReader } from './catalog.reader.ts';
export type { CatalogItem, CatalogReader } from './catalog.reader.ts';
export { ITEM_KINDS, type ItemKind } from '../../db/schema/items.ts';
export {
  applyRatingDeltas,
  refreshPopularity,
  replaceRatingTotals,
  weightedRatingOf,
  type PopularityTerms,
  type RatingDelta,
} from './catalog.popularity.ts';
export { importItems, type ItemImportReport } from './catalog.import.ts';

/**
 * The catalogue (contract §7): items of six kinds, search, imports, popularity and users' suggestions.
 * Registers the `item_suggestions` export section and erases an account's suggestions on
 * `account.deleted` (accounts are tombstoned, so the foreign key's cascade does not fire). Nothing expires.
 * @example await app.register(catalogModule({ ctx, guard }))
 */
export function catalogModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  const { ctx, guard } = deps;
  return async (app) => {
    const db = ctx.database.db;
    ctx.exports.register('item_suggestions', async (tx, accountId) =>
      (await repo.suggestionsOf(tx, accountId)).map(toSuggestionView),
    );
    ctx.events.on('account.deleted', (tx, { accountId }) => repo.deleteSuggestionsOf(tx, accountId));

    // `m` and `C` follow the ratings at most POPULARITY_REFRESH late; each item's own popularity moves
    // at once with its ratings (applyRatingDeltas). Only a process that changed ratings refreshes.
    let refreshedAt = 0;
    let running: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      if (running || lastRatingChange() <= refreshedAt) return;
      const started = Date.now();
      running = refreshPopularity(db)
        .then(() => (refreshedAt = started))
        .catch((error: unknown) => ctx.logger.warn({ err: error }, 'popularity refresh failed'))
        .finally(() => (running = undefined));
    }, ctx.config.catalog.popularityRefreshSeconds * 1000);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });

    await app.register(catalogRoutes({ db, config: ctx.config, guard }));
    await app.register(suggestionsRoutes({ db, guard }));
  };
}
