import { and, arrayOverlaps, desc, eq, notInArray, type SQL } from 'drizzle-orm';
import { runRaw, type Db, type DbOrTx, type RawStatement } from '../../core/db/database.ts';
import { items, type ItemAttributes, type ItemKind } from '../../db/schema/items.ts';

/** An item as the recommendation engines see it. */
export interface CatalogItem {
  readonly id: string;
  readonly externalId: string | null;
  readonly kind: ItemKind;
  readonly title: string;
  readonly description: string | null;
  readonly genres: string[];
  readonly year: number | null;
  readonly attributes: ItemAttributes | null;
  /** How many users rated it, and the mean of their ratings (null when unrated). */
  readonly ratingCount: number;
  readonly ratingMean: number | null;
  /** The IMDB weighted rating (see catalog.popularity.ts). */
  readonly popularity: number;
}

/** What the recommendations module reads from the catalogue. */
export interface CatalogReader {
  /** Every item with its content, for training (read in one statement; pass a transaction for a snapshot). */
  allItems(db?: DbOrTx): Promise<CatalogItem[]>;
  byIds(ids: readonly string[]): Promise<Map<string, CatalogItem>>;
  /** Items by popularity (highest first, id breaks ties), optionally of a kind and/or one of genres, excluding ids. */
  popular(opts: {
    kind?: ItemKind;
    genres?: readonly string[];
    exclude?: ReadonlySet<string>;
    limit: number;
  }): Promise<CatalogItem[]>;
}

const columns = {
  id: items.id,
  externalId: items.externalId,
  kind: items.kind,
  title: items.title,
  description: items.description,
  genres: items.genres,
  year: items.year,
  attributes: items.attributes,
  ratingCount: items.ratingCount,
  ratingSum: items.ratingSum,
  popularity: items.popularity,
};

type Selected = { [K in keyof typeof columns]: (typeof columns)[K]['_']['data'] } & {
  genres: string[];
  attributes: ItemAttributes | null;
};

const toCatalogItem = (row: Selected): CatalogItem => ({
  id: row.id,
  externalId: row.externalId,
  kind: row.kind,
  title: row.title,
  description: row.description,
  genres: row.genres,
  year: row.year,
  attributes: row.attributes,
  ratingCount: row.ratingCount,
  ratingMean: row.ratingCount > 0 ? row.ratingSum / row.ratingCount : null,
  popularity: row.popularity,
});

const BY_IDS: RawStatement = {
  name: 'catalog_items_by_ids_v1',
  text: `select id::text as "id", external_id as "externalId", kind, title, description, genres, year,
            attributes, rating_count as "ratingCount", rating_sum as "ratingSum", popularity
       from items where id = any($1::uuid[])`,
};

/** The catalogue reader over a database handle. */
export function createCatalogReader(db: Db): CatalogReader {
  return {
    async allItems(handle: DbOrTx = db) {
      const rows = (await handle.select(columns).from(items).orderBy(items.id)) as Selected[];
      return rows.map(toCatalogItem);
    },
    async byIds(ids) {
      if (ids.length === 0) return new Map();
      // Hand-written and prepared once per connection: every recommendation response fetches its items.
      const rows = await runRaw<Selected>(db, BY_IDS, [[...ids]]);
      return new Map(rows.map((row) => [row.id, toCatalogItem(row)]));
    },
    async popular({ kind, genres, exclude, limit }) {
      const conditions: (SQL | undefined)[] = [];
      if (kind) conditions.push(eq(items.kind, kind));
      if (genres && genres.length > 0) conditions.push(arrayOverlaps(items.genres, [...genres]));
      if (exclude && exclude.size > 0) conditions.push(notInArray(items.id, [...exclude]));
      const rows = (await db
        .select(columns)
        .from(items)
        .where(and(...conditions))
        .orderBy(desc(items.popularity), items.id)
        .limit(limit)) as Selected[];
      return rows.map(toCatalogItem);
    },
  };
}
