// Reads the live catalogue and feedback into the engines' compact arrays, and the per-item facts serving
// needs (kind, year, genres, title) aligned with a model's item order.
import type { CatalogItem, CatalogReader, ItemKind } from '../catalog/index.ts';
import type { Database } from '../../core/db/database.ts';
import type { FeedbackType } from '../feedback/index.ts';
import type { ItemText } from './engines/content.ts';
import type { Interactions } from './engines/matrix.ts';
import { streamFeedback } from './recommendations.repository.ts';

/** Implicit weight of each kind of feedback; dislikes are no interest at all (and always excluded). */
export const FEEDBACK_WEIGHT: Readonly<Record<FeedbackType, number>> = {
  rating: 1,
  like: 1,
  view: 0.5,
  dislike: 0,
};

export interface TrainingSnapshot {
  readonly data: Interactions;
  readonly texts: ItemText[];
  readonly itemIds: string[];
  /** Feedback changed up to here is included (read before the first row, so nothing is missed). */
  readonly dataAt: Date;
}

/** Every item and every feedback row, read in batches into typed arrays. */
export async function loadSnapshot(catalog: CatalogReader, database: Database): Promise<TrainingSnapshot> {
  const dataAt = new Date();
  const items = await catalog.allItems();
  const indexOf = new Map(items.map((item, i) => [item.id, i]));
  const users = new Map<string, number>();
  let user = new Int32Array(1 << 16);
  let item = new Int32Array(1 << 16);
  let weight = new Float32Array(1 << 16);
  let rating = new Float32Array(1 << 16);
  let n = 0;
  for await (const batch of streamFeedback(database, 20_000)) {
    for (const row of batch) {
      const w = FEEDBACK_WEIGHT[row.type];
      const i = indexOf.get(row.item_id);
      if (w === 0 || i === undefined) continue;
      let u = users.get(row.user_key);
      if (u === undefined) users.set(row.user_key, (u = users.size));
      if (n === user.length)
        [user, item, weight, rating] = [grow(user), grow(item), grow(weight), grow(rating)];
      user[n] = u;
      item[n] = i;
      weight[n] = w;
      rating[n] = row.type === 'rating' && row.value !== null ? row.value : Number.NaN;
      n++;
    }
  }
  return {
    data: {
      users: users.size,
      items: items.length,
      user: user.slice(0, n),
      item: item.slice(0, n),
      weight: weight.slice(0, n),
      rating: rating.slice(0, n),
    },
    texts: items.map(toText),
    itemIds: items.map((i) => i.id),
    dataAt,
  };
}

function grow<T extends Int32Array | Float32Array>(a: T): T {
  const out = new (a.constructor as new (n: number) => T)(a.length * 2);
  out.set(a);
  return out;
}

function toText(item: CatalogItem): ItemText {
  return {
    title: item.title,
    description: item.description,
    genres: item.genres,
    attributes: item.attributes,
  };
}

/** What serving needs to know of each model item: filters, penalties and reasons. */
export interface ItemFacts {
  readonly kind: (ItemKind | null)[];
  readonly year: (number | null)[];
  readonly genres: string[][];
  readonly title: string[];
}

/** The facts of the model's items from the catalogue; a deleted item gets kind null (never served). */
export async function loadFacts(catalog: CatalogReader, itemIds: readonly string[]): Promise<ItemFacts> {
  const byId = new Map((await catalog.allItems()).map((item) => [item.id, item]));
  const facts: ItemFacts = { kind: [], year: [], genres: [], title: [] };
  for (const id of itemIds) {
    const item = byId.get(id);
    facts.kind.push(item?.kind ?? null);
    facts.year.push(item?.year ?? null);
    facts.genres.push(item?.genres ?? []);
    facts.title.push(item?.title ?? '');
  }
  return facts;
}
