import type { TestApp } from '../helpers/app.ts';
import type { TestUser } from '../helpers/auth.ts';

/** Creates items through the API (as an admin) and returns them by title. */
export async function createItems(t: TestApp, admin: TestUser, items: Array<Record<string, unknown>>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/items',
    headers: admin.headers,
    payload: items,
  });
  if (res.statusCode !== 201) throw new Error(`create items: ${res.statusCode} ${res.body}`);
  const created = res.json<{ items: Array<{ id: string; title: string }> }>().items;
  return new Map(created.map((i) => [i.title, i.id]));
}

/** A digest of every row of the recommendation tables: equal before and after means nothing was written. */
export async function dataDigest(t: TestApp): Promise<string> {
  // catalog_stats without `refreshed_at`: recomputing the same m and C is no change.
  const tables = [
    'items',
    '(select m, c from catalog_stats)',
    'item_suggestions',
    'feedback',
    'bad_recommendations',
    'liked_genres',
  ];
  const parts: string[] = [];
  for (const table of tables) {
    const [row] = await t.db.database.query<{ d: string | null }>(
      `select md5(coalesce(string_agg(x::text, ',' order by x::text), '')) as d from ${table} x`,
    );
    parts.push(`${table}:${row?.d}`);
  }
  return parts.join(' ');
}

/** A request body streamed in chunks, as a large upload arrives. */
export function* chunked(text: string, size = 64 * 1024): Generator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
