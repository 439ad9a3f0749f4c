import { AppError } from '../../core/errors/app-error.ts';
import { isUuid } from '../../core/ids.ts';
import type { ItemRecord, ListPosition, SuggestionRow } from './catalog.repository.ts';
import type { ItemInput, ItemView, SuggestionView } from './catalog.schemas.ts';
import type { NewItem } from './catalog.repository.ts';

export const toItemView = (row: ItemRecord): ItemView => ({
  id: row.id,
  external_id: row.externalId,
  kind: row.kind,
  title: row.title,
  description: row.description,
  genres: row.genres,
  year: row.year,
  attributes: row.attributes,
  rating_count: row.ratingCount,
  rating_mean: row.ratingCount > 0 ? row.ratingSum / row.ratingCount : null,
  popularity: row.popularity,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const toSuggestionView = (row: SuggestionRow): SuggestionView => ({
  id: row.id,
  account_id: row.accountId,
  kind: row.kind,
  title: row.title,
  description: row.description,
  genres: row.genres,
  year: row.year,
  attributes: row.attributes,
  status: row.status,
  item_id: row.itemId,
  created_at: row.createdAt.toISOString(),
  decided_at: row.decidedAt?.toISOString() ?? null,
});

/** The columns of an item from a request's (or an import line's) fields. */
export const itemValues = (input: ItemInput): Omit<NewItem, 'id'> => ({
  externalId: input.external_id ?? null,
  kind: input.kind,
  title: input.title,
  description: input.description ?? null,
  genres: input.genres ?? [],
  year: input.year ?? null,
  attributes: input.attributes ?? null,
});

/** A list cursor: whether the list was ranked by search (`q`) or popularity, the last value and id. */
export function encodeListCursor(ranked: boolean, position: ListPosition): string {
  return Buffer.from(JSON.stringify([ranked ? 'q' : 'p', position.value, position.id])).toString('base64url');
}

export function decodeListCursor(ranked: boolean, cursor: string | undefined): ListPosition | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw badCursor();
  const [mode, value, id] = parsed as unknown[];
  if (mode !== (ranked ? 'q' : 'p') || typeof value !== 'number' || !Number.isFinite(value))
    throw badCursor();
  if (typeof id !== 'string' || !isUuid(id)) throw badCursor();
  return { value, id };
}

const badCursor = () =>
  new AppError('BAD_REQUEST', 'The cursor is not valid for this list; start again without it.');
