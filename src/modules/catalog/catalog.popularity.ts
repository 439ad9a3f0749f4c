import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type DbOrTx } from '../../core/db/database.ts';

/**
 * The IMDB weighted rating of an item with `v` ratings summing to `s`, given the global `m` and `c`:
 * (v/(v+m))·R + (m/(v+m))·C with R = s/v, which is (s + m·C)/(v + m). An unrated item scores C; with no
 * rating anywhere (v + m = 0) everything scores 0.
 */
export const weightedRating = (v: SQL, s: SQL, m: SQL, c: SQL): SQL =>
  sql`case when ${v} + ${m} > 0 then (${s} + ${m} * ${c}) / (${v} + ${m}) else 0 end`;

/** The same in JavaScript (tests and reports). */
export const weightedRatingOf = (v: number, s: number, m: number, c: number): number =>
  v + m > 0 ? (s + m * c) / (v + m) : 0;

export interface RatingDelta {
  readonly itemId: string;
  /** Ratings added (negative: removed). */
  readonly count: number;
  /** Change of the ratings' sum. */
  readonly sum: number;
}

/**
 * Moves the items' rating counters by deltas and recomputes their popularity with the current `m` and
 * `C` (catalog_stats): O(changed items), in the caller's transaction, so the counters move with the
 * feedback rows that caused them.
 */
export async function applyRatingDeltas(db: DbOrTx, deltas: readonly RatingDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  ratingsChangedAt = Date.now();
  const ids = deltas.map((d) => d.itemId);
  const counts = deltas.map((d) => d.count);
  const sums = deltas.map((d) => d.sum);
  const v = sql`(i.rating_count + d.dc)`;
  const s = sql`(i.rating_sum + d.ds)`;
  await db.execute(sql`
    with d as (
      select item_id, sum(dc)::int as dc, sum(ds) as ds
      from unnest(${sql.param(ids)}::uuid[], ${sql.param(counts)}::int[], ${sql.param(sums)}::float8[])
        as t(item_id, dc, ds)
      group by item_id
    ),
    st as (select coalesce(max(m), 0) as m, coalesce(max(c), 0) as c from catalog_stats)
    update items i
       set rating_count = ${v},
           rating_sum = case when ${v} = 0 then 0 else ${s} end,
           popularity = ${weightedRating(v, s, sql`st.m`, sql`st.c`)}
      from d, st
     where i.id = d.item_id`);
}

// When this process last moved rating counters: the periodic refresh skips when nothing changed since.
let ratingsChangedAt = 0;
export const lastRatingChange = (): number => ratingsChangedAt;

/**
 * Sets every item's rating counters to the totals `totals` yields (rows of `item_id, n, s`; items absent
 * from it have none), rewriting only the items whose counters differ, then their popularity follows at
 * the next refresh. Bulk imports use it once at the end instead of a delta per batch: one pass over the
 * feedback beats rewriting the same items in every batch (each rewrite also recomputes the stored tsvector).
 */
export async function replaceRatingTotals(db: DbOrTx, totals: SQL): Promise<void> {
  ratingsChangedAt = Date.now();
  await db.execute(sql`
    with t as (${totals}),
    next as (
      select i.id, coalesce(t.n, 0)::int as n, coalesce(t.s, 0)::float8 as s
        from items i left join t on t.item_id = i.id
    )
    update items i set rating_count = next.n, rating_sum = next.s
      from next
     where i.id = next.id and (i.rating_count, i.rating_sum) is distinct from (next.n, next.s)`);
}

export interface PopularityTerms {
  readonly m: number;
  readonly c: number;
}

/**
 * Recomputes `m` (the 90th percentile of the rated items' rating counts) and `C` (the mean of all
 * ratings) from the items' counters, stores them, and rewrites the popularity of the items whose value
 * moved: one statement, O(items), run after imports and at most every POPULARITY_REFRESH while ratings change.
 */
export async function refreshPopularity(db: DbOrTx): Promise<PopularityTerms> {
  const [terms] = await executeRows<PopularityTerms>(
    db,
    sql`
    with s as (
      select coalesce(percentile_cont(0.9) within group (order by rating_count), 0)::float8 as m,
             coalesce(sum(rating_sum) / nullif(sum(rating_count), 0), 0)::float8 as c
        from items where rating_count > 0
    ),
    st as (
      insert into catalog_stats (id, m, c, refreshed_at) select 1, m, c, now() from s
      on conflict (id) do update set m = excluded.m, c = excluded.c, refreshed_at = excluded.refreshed_at
      returning m, c
    ),
    moved as (
      update items i set popularity = ${weightedRating(sql`i.rating_count`, sql`i.rating_sum`, sql`st.m`, sql`st.c`)}
        from st
       where i.popularity is distinct from ${weightedRating(sql`i.rating_count`, sql`i.rating_sum`, sql`st.m`, sql`st.c`)}
    )
    select m, c from st`,
  );
  return { m: Number(terms?.m ?? 0), c: Number(terms?.c ?? 0) };
}
