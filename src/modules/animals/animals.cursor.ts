import { AppError } from '../../core/errors/app-error.ts';
import { isUuid } from '../../core/ids.ts';

export type SortField = 'name' | 'createdAt';
export type SortDirection = 'asc' | 'desc';
export interface Order {
  readonly field: SortField;
  readonly direction: SortDirection;
}
export const DEFAULT_ORDER: Order = { field: 'createdAt', direction: 'asc' };

/** Where a page starts: the sort value and id of the last row seen (id breaks ties). */
export interface Position {
  readonly value: string;
  readonly id: string;
}

interface Sortable {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

/**
 * An opaque cursor: the order's field, the row's value for it and its id, base64url JSON. It is only valid
 * with the same order; anything else (forged, or from another order) is BAD_USER_INPUT on `after`.
 * @example encodeCursor(DEFAULT_ORDER, row) // 'WyJjcmVhdGVkQXQiLCIyMDI2LTAx...'
 */
export function encodeCursor(order: Order, row: Sortable): string {
  const value = order.field === 'name' ? row.name : row.createdAt.toISOString();
  return Buffer.from(JSON.stringify([order.field, value, row.id]), 'utf8').toString('base64url');
}

export function decodeCursor(order: Order, cursor: string | null | undefined): Position | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw badCursor();
  const [field, value, id] = parsed as unknown[];
  if (field !== order.field || typeof value !== 'string' || typeof id !== 'string' || !isUuid(id))
    throw badCursor();
  if (field === 'createdAt' && Number.isNaN(new Date(value).getTime())) throw badCursor();
  if (value.length > 1000) throw badCursor();
  return { value, id };
}

const badCursor = () =>
  new AppError(
    'VALIDATION_FAILED',
    'The cursor is not valid for this list and order; start again without it.',
    {
      errors: [{ path: 'after', message: 'not a cursor of this list and order' }],
    },
  );

/** `first`: 1..100, default 20. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return 20;
  if (!Number.isInteger(first) || first < 1 || first > 100) {
    throw new AppError('VALIDATION_FAILED', '`first` must be between 1 and 100.', {
      errors: [{ path: 'first', message: 'must be between 1 and 100' }],
    });
  }
  return first;
}
