import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';

/** An opaque cursor for id-ordered lists: the last id seen, base64url-encoded. */
export const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');

/** Decodes a cursor; a forged one is a 400 problem, never a 500. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw new AppError('BAD_REQUEST', 'The cursor is not valid; start again without it.');
  return id;
}

/** The page and the cursor of the next one, from `limit + 1` rows fetched. */
export function pageOf<T extends { id: string }>(
  rows: T[],
  limit: number,
): { page: T[]; next: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next: rows.length > limit && last ? encodeCursor(last.id) : null };
}
