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
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import { createCatalogReader } from './catalog.reader.ts';

export { createCatalogReader } from './catalog.reader.ts';
export type { CatalogItem, CatalogReader } from './catalog.reader.ts';
export { ITEM_KINDS, type ItemKind } from '../../db/schema/items.ts';

/**
 * The catalogue (contract §7): items of six kinds, search, imports, popularity and users' suggestions.
 * @example await app.register(catalogModule({ ctx, guard }))
 */
export function catalogModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  const { ctx } = deps;
  return async () => {
    // Suggestions cascade from accounts in the schema, but accounts are tombstoned, never deleted: erase here.
    void createCatalogReader;
    void ctx;
  };
}
