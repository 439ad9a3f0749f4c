import { and, asc, count, desc, eq, getTableColumns, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { preparedPerDb, type Db, type DbOrTx } from '../../core/db/database.ts';
import { animals, zoos, type AnimalRow, type ZooRow } from '../../db/schema/animals.ts';
import type { Order, Position } from './animals.cursor.ts';

export interface AnimalFilter {
  readonly nameContains?: string | null;
  readonly species?: string | null;
  readonly zooId?: string | null;
  readonly ownerId?: string | null;
}
export interface ZooFilter {
  readonly nameContains?: string | null;
  readonly ownerId?: string | null;
}

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function animalConditions(filter: AnimalFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.nameContains) conditions.push(sql`${animals.name} ilike ${likePattern(filter.nameContains)}`);
  if (filter.species) conditions.push(sql`lower(${animals.species}) = lower(${filter.species})`);
  if (filter.zooId) conditions.push(eq(animals.zooId, filter.zooId));
  if (filter.ownerId) conditions.push(eq(animals.ownerId, filter.ownerId));
  return conditions;
}

function zooConditions(filter: ZooFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.nameContains) conditions.push(sql`${zoos.name} ilike ${likePattern(filter.nameContains)}`);
  if (filter.ownerId) conditions.push(eq(zoos.ownerId, filter.ownerId));
  return conditions;
}

/** Keyset condition and ORDER BY of an order, with the id as tie-break so pages never overlap or skip. */
function keyset(table: typeof animals | typeof zoos, order: Order, after: Position | undefined) {
  const column: PgColumn = order.field === 'name' ? table.name : table.createdAt;
  const value = order.field === 'name' ? sql`${after?.value}::text` : sql`${after?.value}::timestamptz`;
  const direction = order.direction === 'asc' ? asc : desc;
  const condition = after
    ? order.direction === 'asc'
      ? sql`(${column}, ${table.id}) > (${value}, ${after.id}::uuid)`
      : sql`(${column}, ${table.id}) < (${value}, ${after.id}::uuid)`
    : undefined;
  return { condition, orderBy: [direction(column), direction(table.id)] };
}

const hasFilter = (filter: AnimalFilter | ZooFilter) => Object.values(filter).some((v) => v);

/**
 * The first page of each list in each order, built and prepared once per database: the common request
 * (no filter, no cursor) skips Drizzle's SQL building and PostgreSQL's parsing.
 */
const firstPages = preparedPerDb((db: Db) => {
  const statements = new Map<string, ReturnType<typeof prepareFirstPage>>();
  const prepareFirstPage = (table: typeof animals | typeof zoos, order: Order) => {
    const { orderBy } = keyset(table, order, undefined);
    const name = `${table === animals ? 'animals' : 'zoos'}_first_${order.field}_${order.direction}`;
    return db
      .select()
      .from(table)
      .orderBy(...orderBy)
      .limit(sql.placeholder('limit'))
      .prepare(name);
  };
  return (table: typeof animals | typeof zoos, order: Order) => {
    const key = `${table === animals ? 'a' : 'z'}:${order.field}:${order.direction}`;
    let statement = statements.get(key);
    if (!statement) statements.set(key, (statement = prepareFirstPage(table, order)));
    return statement;
  };
});

/** One page plus one row (to know whether there is a next page). */
export async function listAnimals(
  db: Db,
  query: { filter: AnimalFilter; order: Order; after?: Position | undefined; limit: number },
): Promise<AnimalRow[]> {
  if (!query.after && !hasFilter(query.filter)) {
    return (await firstPages(db)(animals, query.order).execute({ limit: query.limit + 1 })) as AnimalRow[];
  }
  const { condition, orderBy } = keyset(animals, query.order, query.after);
  const where = and(...animalConditions(query.filter), condition);
  return db
    .select()
    .from(animals)
    .where(where)
    .orderBy(...orderBy)
    .limit(query.limit + 1);
}

export async function countAnimals(db: DbOrTx, filter: AnimalFilter): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(animals)
    .where(and(...animalConditions(filter)));
  return row?.n ?? 0;
}

export async function listZoos(
  db: Db,
  query: { filter: ZooFilter; order: Order; after?: Position | undefined; limit: number },
): Promise<ZooRow[]> {
  if (!query.after && !hasFilter(query.filter)) {
    return await firstPages(db)(zoos, query.order).execute({ limit: query.limit + 1 });
  }
  const { condition, orderBy } = keyset(zoos, query.order, query.after);
  return db
    .select()
    .from(zoos)
    .where(and(...zooConditions(query.filter), condition))
    .orderBy(...orderBy)
    .limit(query.limit + 1);
}

export async function countZoos(db: DbOrTx, filter: ZooFilter): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(zoos)
    .where(and(...zooConditions(filter)));
  return row?.n ?? 0;
}

/**
 * The first `limit + 1` animals of each parent (zoo or owner) in one statement, for the batched nested
 * connections `Zoo.animals` and `User.animals` (a window function numbers each parent's rows).
 */
export async function animalsOfParents(
  db: DbOrTx,
  parent: 'zooId' | 'ownerId',
  parentIds: readonly string[],
  query: { order: Order; after?: Position | undefined; limit: number },
): Promise<AnimalRow[]> {
  const column = animals[parent];
  const { condition, orderBy } = keyset(animals, query.order, query.after);
  const numbered = db
    .select({
      ...getTableColumns(animals),
      rn: sql<number>`row_number() over (partition by ${column} order by ${sql.join(orderBy, sql`, `)})`.as(
        'rn',
      ),
    })
    .from(animals)
    .where(and(inArray(column, [...parentIds]), condition))
    .as('numbered');
  const rows = await db
    .select()
    .from(numbered)
    .where(lte(numbered.rn, query.limit + 1))
    .orderBy(numbered.rn);
  return rows.map(({ rn: _rn, ...row }) => row);
}

export async function zoosOfOwners(
  db: DbOrTx,
  ownerIds: readonly string[],
  query: { order: Order; after?: Position | undefined; limit: number },
): Promise<ZooRow[]> {
  const { condition, orderBy } = keyset(zoos, query.order, query.after);
  const numbered = db
    .select({
      ...getTableColumns(zoos),
      rn: sql<number>`row_number() over (partition by ${zoos.ownerId} order by ${sql.join(orderBy, sql`, `)})`.as(
        'rn',
      ),
    })
    .from(zoos)
    .where(and(inArray(zoos.ownerId, [...ownerIds]), condition))
    .as('numbered');
  const rows = await db
    .select()
    .from(numbered)
    .where(lte(numbered.rn, query.limit + 1))
    .orderBy(numbered.rn);
  return rows.map(({ rn: _rn, ...row }) => row);
}

/** Animal counts per parent, for nested `totalCount`. */
export async function countAnimalsOf(
  db: DbOrTx,
  parent: 'zooId' | 'ownerId',
  parentIds: readonly string[],
): Promise<Map<string, number>> {
  const column = animals[parent];
  const rows = await db
    .select({ parentId: column, n: count() })
    .from(animals)
    .where(inArray(column, [...parentIds]))
    .groupBy(column);
  return new Map(rows.map((r) => [r.parentId as string, r.n]));
}

export async function countZoosOf(db: DbOrTx, ownerIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ ownerId: zoos.ownerId, n: count() })
    .from(zoos)
    .where(inArray(zoos.ownerId, [...ownerIds]))
    .groupBy(zoos.ownerId);
  return new Map(rows.map((r) => [r.ownerId, r.n]));
}

// By ids, for the per-request loaders: one statement whatever the number of ids (`= any($1)`).
const animalsByIdsStatement = preparedPerDb((db: Db) =>
  db
    .select()
    .from(animals)
    .where(sql`${animals.id} = any(${sql.placeholder('ids')}::uuid[])`)
    .prepare('animals_by_ids'),
);
const zoosByIdsStatement = preparedPerDb((db: Db) =>
  db
    .select()
    .from(zoos)
    .where(sql`${zoos.id} = any(${sql.placeholder('ids')}::uuid[])`)
    .prepare('zoos_by_ids'),
);

export const animalsByIds = (db: Db, ids: readonly string[]): Promise<AnimalRow[]> =>
  animalsByIdsStatement(db).execute({ ids: [...ids] });

export const zoosByIds = (db: Db, ids: readonly string[]): Promise<ZooRow[]> =>
  zoosByIdsStatement(db).execute({ ids: [...ids] });

export async function findAnimal(db: DbOrTx, id: string, lock = false): Promise<AnimalRow | undefined> {
  const query = db.select().from(animals).where(eq(animals.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

export async function findZoo(db: DbOrTx, id: string, lock = false): Promise<ZooRow | undefined> {
  const query = db.select().from(zoos).where(eq(zoos.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

export async function insertAnimal(db: DbOrTx, values: typeof animals.$inferInsert): Promise<AnimalRow> {
  const [row] = await db.insert(animals).values(values).returning();
  return row!;
}

export async function updateAnimal(
  db: DbOrTx,
  id: string,
  values: Partial<typeof animals.$inferInsert>,
): Promise<AnimalRow> {
  const [row] = await db
    .update(animals)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(animals.id, id))
    .returning();
  return row!;
}

export const deleteAnimal = (db: DbOrTx, id: string) => db.delete(animals).where(eq(animals.id, id));

export async function insertZoo(db: DbOrTx, values: typeof zoos.$inferInsert): Promise<ZooRow> {
  const [row] = await db.insert(zoos).values(values).returning();
  return row!;
}

export async function updateZoo(
  db: DbOrTx,
  id: string,
  values: Partial<typeof zoos.$inferInsert>,
): Promise<ZooRow> {
  const [row] = await db
    .update(zoos)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(zoos.id, id))
    .returning();
  return row!;
}

export const deleteZoo = (db: DbOrTx, id: string) => db.delete(zoos).where(eq(zoos.id, id));

export async function zooNameTaken(db: DbOrTx, name: string, exceptId?: string): Promise<boolean> {
  const rows = await db
    .select({ id: zoos.id })
    .from(zoos)
    .where(sql`lower(${zoos.name}) = lower(${name})${exceptId ? sql` and ${zoos.id} <> ${exceptId}` : sql``}`)
    .limit(1);
  return rows.length > 0;
}

/** The account's animals and zoos go with it (the tombstone row stays, so no cascade fires). */
export async function deleteOwnedBy(db: DbOrTx, accountId: string): Promise<void> {
  await db.delete(animals).where(eq(animals.ownerId, accountId));
  await db.delete(zoos).where(eq(zoos.ownerId, accountId));
}

/** The account's animals and zoos for its data export (`GET /v1/accounts/{id}/export`). */
export const exportAnimals = (db: DbOrTx, accountId: string) =>
  db.select().from(animals).where(eq(animals.ownerId, accountId)).orderBy(asc(animals.createdAt));

export const exportZoos = (db: DbOrTx, accountId: string) =>
  db.select().from(zoos).where(eq(zoos.ownerId, accountId)).orderBy(asc(zoos.createdAt));
