import type { Static } from 'typebox';
import type { DbOrTx } from '../../core/db/database.ts';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import * as repo from './accounts.repository.ts';
import { SEARCH_DEFAULTS, type SearchAccountsBody } from './accounts.schemas.ts';
import { toAccountView, type AccountView } from './accounts.view.ts';

export type SearchAccountsInput = Static<typeof SearchAccountsBody>;

/** A page of live accounts in creation order, optionally those with one email (case-insensitive). */
export async function listAccounts(
  db: DbOrTx,
  query: { email?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
): Promise<{ items: AccountView[]; next_cursor: string | null }> {
  const limit = query.limit ?? 20;
  const afterId = decodeCursor(query.cursor);
  // One row more than asked tells whether another page follows, without a count.
  const { page, next } = pageOf(
    await repo.listPage(db, { email: query.email, afterId, limit: limit + 1 }),
    limit,
  );
  return { items: page.map(toAccountView), next_cursor: next };
}

/**
 * 000's search: filters, then sorting and paging where every block and field may be omitted (000 answered
 * 500 there). `page_offset` is 1-based; a page past the end is empty.
 */
export async function searchAccounts(db: DbOrTx, input: SearchAccountsInput) {
  const orderBy = input.sorting?.order_by ?? SEARCH_DEFAULTS.order_by;
  const sortDirection = input.sorting?.sort_direction ?? SEARCH_DEFAULTS.sort_direction;
  const pageSize = input.paging?.page_size ?? SEARCH_DEFAULTS.page_size;
  const pageOffset = input.paging?.page_offset ?? SEARCH_DEFAULTS.page_offset;
  const { rows, total } = await repo.search(
    db,
    { phoneNumber: input.phone_number, isActive: input.is_active, role: input.role, email: input.email },
    { column: orderBy, descending: sortDirection === 'descending' },
    { size: pageSize, offset: (pageOffset - 1) * pageSize },
  );
  return {
    items: rows.map(toAccountView),
    pagination_info: {
      page_offset: pageOffset,
      page_size: pageSize,
      total_records: total,
      total_pages: Math.ceil(total / pageSize),
      order_by: orderBy,
      sort_direction: sortDirection,
    },
  };
}
