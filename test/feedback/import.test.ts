// POST /v1/feedback/import: streamed CSV and NDJSON history of accounts and external users; bad lines by number.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedbackReader } from '../../src/modules/feedback/index.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { chunked, createItems, dataDigest } from '../catalog/helpers.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;
let ids: Map<string, string>;

beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, MAX_BODY_BYTES: '65536', IMPORT_BATCH_ROWS: '1000' });
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
  const items = Array.from({ length: 50 }, (_, i) => ({
    external_id: `i${i}`,
    kind: 'movie',
    title: `Item ${i}`,
  }));
  ids = await createItems(t, admin, items);
});
afterAll(() => t?.close());

const importFeedback = (body: string | Readable, type = 'text/csv', user: TestUser = admin) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/feedback/import',
    headers: { ...user.headers, 'content-type': type },
    payload: body,
  });
const feedbackCount = async () =>
  Number((await t.db.database.query<{ n: number }>('select count(*)::int as n from feedback'))[0]!.n);
const ratingTotals = async () =>
  (
    await t.db.database.query<{ n: number; s: number }>(
      'select sum(rating_count)::int as n, sum(rating_sum)::float8 as s from items',
    )
  )[0]!;

describe('importing feedback', () => {
  it('streams a large CSV (beyond the body limit), and a second run changes nothing', async () => {
    const lines = ['external_user,external_id,type,value,at'];
    for (let u = 0; u < 400; u++)
      for (let k = 0; k < 50; k++)
        lines.push(`user ${u},i${(u + k) % 50},rating,${(u * k) % 6},${1_700_000_000 + u * 50 + k}`);
    const csv = `${lines.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(8 * 65536);
    const first = await importFeedback(Readable.from(chunked(csv)));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ lines: 20_000, recorded: 20_000, rejected: 0, errors: [] });
    expect(await feedbackCount()).toBe(20_000);
    const totals = await ratingTotals();
    expect(totals.n).toBe(20_000);

    const before = await dataDigest(t);
    const second = await importFeedback(Readable.from(chunked(csv)));
    expect(second.json()).toMatchObject({ recorded: 20_000, rejected: 0 });
    expect(await ratingTotals()).toEqual(totals);
    expect(await dataDigest(t)).toBe(before);
    expect(await createFeedbackReader(t.db.database.db).resolveExternalUser('user 7')).toBe('ext:user 7');
  });

  it('takes accounts and external ids, keeps the latest by `at`, and reports bad lines by number', async () => {
    const item = ids.get('Item 3')!;
    const ndjson = [
      { account_id: alice.id, item_id: item, type: 'rating', value: 2, at: '2026-01-02T00:00:00Z' }, // 1
      { account_id: alice.id, item_id: item, type: 'rating', value: 4, at: '2026-01-01T00:00:00Z' }, // 2: older, loses
      { account_id: alice.id, external_id: 'i4', type: 'like' }, // 3
      { account_id: alice.id, external_id: 'i4', type: 'view', value: 3 }, // 4
      { account_id: alice.id, item_id: item, type: 'rating', value: 6 }, // 5: out of range
      { account_id: '0190a0a0-0000-7000-8000-000000000000', item_id: item, type: 'view' }, // 6: no such account
      { external_user: 'x', external_id: 'nope', type: 'view' }, // 7: no such item
      { external_user: 'x', account_id: alice.id, item_id: item, type: 'view' }, // 8: two users
      { external_user: 'x', item_id: item, type: 'like', value: 1 }, // 9: a like takes no value
      { external_user: 'x', item_id: item, type: 'view', at: 'yesterday' }, // 10: bad time
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    const res = await importFeedback(`${ndjson}\n{"broken": \n`, 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ lines: 11, recorded: 4, rejected: 7 });
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    const mine = await createFeedbackReader(t.db.database.db).forUser(alice.id);
    expect(mine.rows.find((r) => r.itemId === item)).toMatchObject({ type: 'rating', value: 2 });
    expect(
      mine.rows
        .filter((r) => r.itemId === ids.get('Item 4'))
        .map((r) => [r.type, r.value])
        .sort(),
    ).toEqual([
      ['like', null],
      ['view', 3],
    ]);
  });

  it('reports a malformed CSV line by its number while the others land', async () => {
    const csv = 'external_user,external_id,type,value\nm,i1,rating,3\nm,"i2,rating,3\nm,i3,rating,3\n';
    const res = await importFeedback(csv);
    expect(res.json()).toMatchObject({ lines: 3, recorded: 2, rejected: 1, errors: [{ line: 3 }] });
  });

  it.each([
    ['a user', () => alice, 'text/csv', 403],
    ['the wrong media type', () => admin, 'text/plain', 415],
  ])('refuses %s with nothing written', async (_name, user, type, status) => {
    const before = await dataDigest(t);
    const res = await importFeedback('external_user,external_id,type,value\nz,i1,rating,3\n', type, user());
    expect(res.statusCode, res.body).toBe(status);
    expect(await dataDigest(t)).toBe(before);
  });
});
