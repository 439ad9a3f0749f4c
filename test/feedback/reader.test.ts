import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { feedback, items } from '../../src/db/schema/index.ts';
import { createCatalogReader } from '../../src/modules/catalog/index.ts';
import { createFeedbackReader } from '../../src/modules/feedback/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('the readers the recommendations module uses', () => {
  let tdb: TestDatabase;
  const ids = [newId(), newId(), newId()];
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const { db } = tdb.database;
    await db.insert(items).values([
      {
        id: ids[0]!,
        kind: 'movie',
        title: 'A',
        genres: ['Comedy'],
        popularity: 3,
        ratingCount: 2,
        ratingSum: 8,
      },
      { id: ids[1]!, kind: 'movie', title: 'B', genres: ['Drama'], popularity: 4 },
      { id: ids[2]!, kind: 'book', title: 'C', genres: ['Comedy'], popularity: 5 },
    ]);
    const at = new Date('2026-01-01T00:00:00Z');
    const rows = [];
    for (let u = 0; u < 25; u++)
      for (const id of ids)
        rows.push({ userKey: `ext:u${u}`, itemId: id, slot: 2, type: 'rating' as const, value: 4, at });
    await db.insert(feedback).values(rows);
  });
  afterAll(() => tdb.destroy());

  it('streams every row once, in batches', async () => {
    const reader = createFeedbackReader(tdb.database.db);
    const seen = new Set<string>();
    let batches = 0;
    for await (const batch of reader.stream(7)) {
      batches++;
      for (const row of batch) seen.add(`${row.user}/${row.itemId}`);
    }
    expect(seen.size).toBe(75);
    expect(batches).toBe(11);
    expect(await reader.resolveExternalUser('u3')).toBe('ext:u3');
    expect(await reader.resolveExternalUser('nobody')).toBeNull();
    expect(await reader.changedSince(new Date(Date.now() - 60_000))).toBe(75);
    expect((await reader.forUser('ext:u1')).rows).toHaveLength(3);
  });

  it('lists popular items by kind and genre, excluding some', async () => {
    const reader = createCatalogReader(tdb.database.db);
    const titles = async (opts: Parameters<typeof reader.popular>[0]) =>
      (await reader.popular(opts)).map((i) => i.title);
    expect(await titles({ limit: 10 })).toEqual(['C', 'B', 'A']);
    expect(await titles({ kind: 'movie', limit: 10 })).toEqual(['B', 'A']);
    expect(await titles({ genres: ['Comedy'], exclude: new Set([ids[2]!]), limit: 10 })).toEqual(['A']);
    const all = await reader.allItems();
    expect(all.find((i) => i.title === 'A')?.ratingMean).toBe(4);
    expect((await reader.byIds([ids[1]!])).get(ids[1]!)?.title).toBe('B');
  });
});
