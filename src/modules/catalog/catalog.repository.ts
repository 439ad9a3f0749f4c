import { and, arrayContains, desc, eq, getTableColumns, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { itemSuggestions, items, type SuggestionStatus } from '../../db/schema/items.ts';

export type ItemRow = typeof items.$inferSelect;
export type NewItem = typeof items.$inferInsert;
export type SuggestionRow = typeof itemSuggestions.$inferSelect;

// Every column but the tsvector, which no response shows.
const { search: _search, ...itemColumns } = getTableColumns(items);
export type ItemRecord = Omit<ItemRow, 'search'>;

/** A new item's popularity before anyone rates it: the formula gives the mean rating `C`. */
export const UNRATED_POPULARITY = sql<number>`coalesce((select c from catalog_stats where id = 1), 0)`;

export async function insertItems(db: DbOrTx, rows: NewItem[]): Promise<ItemRecord[]> {
  const values = rows.map((row) => ({ ...row, popularity: UNRATED_POPULARITY }));
  return db.insert(items).values(values).returning(itemColumns);
}

/**
 * Inserts or updates items by `external_id` (the imports), touching only rows whose content changed.
 * Returns how many were inserted and updated; the rest were unchanged.
 */
export async function upsertItems(
  db: DbOrTx,
  rows: NewItem[],
): Promise<{ inserted: number; updated: number }> {
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  const returned = await db
    .insert(items)
    .values(rows.map((row) => ({ ...row, popularity: UNRATED_POPULARITY })))
    .onConflictDoUpdate({
      target: items.externalId,
      set: {
        kind: excluded('kind'),
        title: excluded('title'),
        description: excluded('description'),
        genres: excluded('genres'),
        year: excluded('year'),
        attributes: excluded('attributes'),
        updatedAt: sql`now()`,
      },
      setWhere: sql`(${items.kind}, ${items.title}, ${items.description}, ${items.genres}, ${items.year}, ${items.attributes})
        is distinct from (excluded.kind, excluded.title, excluded.description, excluded.genres, excluded.year, excluded.attributes)`,
    })
    // xmax is 0 on a freshly inserted row version, the updating transaction's id on an updated one.
    .returning({ inserted: sql<boolean>`(xmax = 0)` });
  const inserted = returned.filter((r) => r.inserted).length;
  return { inserted, updated: returned.length - inserted };
}

export async function findItem(db: DbOrTx, id: string): Promise<ItemRecord | undefined> {
  return (await db.select(itemColumns).from(items).where(eq(items.id, id)).limit(1))[0];
}

export async function existingExternalIds(db: DbOrTx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ externalId: items.externalId })
    .from(items)
    .where(inArray(items.externalId, ids));
  return rows.map((r) => r.externalId!);
}

/** Where a page of the list starts: the sort value (popularity, or rank) and id of the last row seen. */
export interface ListPosition {
  readonly value: number;
  readonly id: string;
}

export interface ListFilter {
  readonly kind?: ItemRecord['kind'];
  readonly genre?: string;
  readonly q?: string;
  readonly after?: ListPosition;
  readonly limit: number;
}

/**
 * Items matching the filter: ranked by full-text relevance when `q` is given (title weighs more than the
 * description), by popularity otherwise; id breaks ties. `websearch_to_tsquery` never fails on user input.
 */
export async function listItems(
  db: DbOrTx,
  filter: ListFilter,
): Promise<Array<ItemRecord & { sortValue: number }>> {
  const conditions: (SQL | undefined)[] = [];
  if (filter.kind) conditions.push(eq(items.kind, filter.kind));
  if (filter.genre) conditions.push(arrayContains(items.genres, [filter.genre]));
  let sortValue: SQL<number>;
  if (filter.q !== undefined) {
    const query = sql`websearch_to_tsquery('english', ${filter.q})`;
    conditions.push(sql`${items.search} @@ ${query}`);
    // float8 so that the value in a cursor compares exactly with the next page's.
    sortValue = sql<number>`ts_rank(${items.search}, ${query})::float8`;
  } else {
    sortValue = sql<number>`${items.popularity}`;
  }
  if (filter.after) {
    const { value, id } = filter.after;
    conditions.push(
      or(
        sql`${sortValue} < ${value}::float8`,
        and(sql`${sortValue} = ${value}::float8`, sql`${items.id} > ${id}`),
      ),
    );
  }
  const rows = await db
    .select({ ...itemColumns, sortValue: sortValue.mapWith(Number) })
    .from(items)
    .where(and(...conditions))
    .orderBy(desc(sortValue), items.id)
    .limit(filter.limit);
  return rows;
}

export async function insertSuggestion(
  db: DbOrTx,
  row: typeof itemSuggestions.$inferInsert,
): Promise<SuggestionRow> {
  return (await db.insert(itemSuggestions).values(row).returning())[0]!;
}

export async function findSuggestionForUpdate(db: DbOrTx, id: string): Promise<SuggestionRow | undefined> {
  return (await db.select().from(itemSuggestions).where(eq(itemSuggestions.id, id)).for('update'))[0];
}

/** Newest first, after the cursor id. */
export async function listSuggestions(
  db: DbOrTx,
  filter: { status: SuggestionStatus; before?: string; limit: number },
): Promise<SuggestionRow[]> {
  return db
    .select()
    .from(itemSuggestions)
    .where(
      and(
        eq(itemSuggestions.status, filter.status),
        filter.before ? lt(itemSuggestions.id, filter.before) : undefined,
      ),
    )
    .orderBy(desc(itemSuggestions.id))
    .limit(filter.limit);
}

export async function decideSuggestion(
  db: DbOrTx,
  id: string,
  decision: { status: SuggestionStatus; itemId?: string; decidedBy: string },
): Promise<SuggestionRow> {
  const rows = await db
    .update(itemSuggestions)
    .set({
      status: decision.status,
      itemId: decision.itemId ?? null,
      decidedBy: decision.decidedBy,
      decidedAt: new Date(),
    })
    .where(eq(itemSuggestions.id, id))
    .returning();
  return rows[0]!;
}

export async function suggestionsOf(db: DbOrTx, accountId: string): Promise<SuggestionRow[]> {
  return db
    .select()
    .from(itemSuggestions)
    .where(eq(itemSuggestions.accountId, accountId))
    .orderBy(itemSuggestions.id);
}

export async function deleteSuggestionsOf(db: DbOrTx, accountId: string): Promise<void> {
  await db.delete(itemSuggestions).where(eq(itemSuggestions.accountId, accountId));
}
