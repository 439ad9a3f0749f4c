// /v1/feedback, bad recommendations, liked genres; popularity by hand; export and account deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedbackReader } from '../../src/modules/feedback/index.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { createItems, dataDigest } from '../catalog/helpers.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;
let ids: Map<string, string>;
const id = (title: string) => ids.get(title)!;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
  ids = await createItems(t, admin, [
    { external_id: 'A', kind: 'movie', title: 'A', genres: ['Drama'] },
    { external_id: 'B', kind: 'movie', title: 'B', genres: ['Comedy'] },
    { external_id: 'C', kind: 'movie', title: 'C', genres: ['Comedy'] },
    { external_id: 'D', kind: 'book', title: 'D', genres: ['Drama'] },
  ]);
  // A: 5, 5, 4 — B: 3 — C: 2, 1 — D: unrated; from imported users who are not accounts.
  const ratings: Array<[string, string, number]> = [
    ['u1', 'A', 5],
    ['u2', 'A', 5],
    ['u3', 'A', 4],
    ['u1', 'B', 3],
    ['u1', 'C', 2],
    ['u2', 'C', 1],
  ];
  const ndjson = ratings
    .map(([user, item, value]) =>
      JSON.stringify({
        external_user: user,
        external_id: item,
        type: 'rating',
        value,
        at: '2026-01-01T00:00:00Z',
      }),
    )
    .join('\n');
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/feedback/import',
    headers: { ...admin.headers, 'content-type': 'application/x-ndjson' },
    payload: ndjson,
  });
  expect(res.json()).toMatchObject({ recorded: 6, rejected: 0 });
});
afterAll(() => t?.close());

const item = async (title: string) =>
  (await t.app.inject({ method: 'GET', url: `/v1/items/${id(title)}`, headers: alice.headers })).json();
const popularTitles = async () =>
  (await t.app.inject({ method: 'GET', url: '/v1/items', headers: alice.headers }))
    .json()
    .items.map((i: { title: string }) => i.title);
const send = (payload: unknown, user: TestUser = alice) =>
  t.app.inject({ method: 'POST', url: '/v1/feedback', headers: user.headers, payload: payload as object });

// The hand computation: rated items' counts [1, 2, 3], so m = the 90th percentile = 2 + 0.8 × (3 − 2) = 2.8;
// C = (14 + 3 + 3) / 6; WR = (v / (v + m)) · R + (m / (v + m)) · C.
const m = 2.8;
const C = 20 / 6;
const wr = (v: number, sum: number) => (v / (v + m)) * (sum / v) + (m / (v + m)) * C;

describe('popularity (IMDB weighted rating)', () => {
  it('matches the hand computation after the import', async () => {
    expect((await item('A')).popularity).toBeCloseTo(wr(3, 14), 10);
    expect((await item('B')).popularity).toBeCloseTo(wr(1, 3), 10);
    expect((await item('C')).popularity).toBeCloseTo(wr(2, 3), 10);
    expect((await item('D')).popularity).toBeCloseTo(C, 10); // unrated: (0 + m·C)/(0 + m)
    expect(await item('A')).toMatchObject({ rating_count: 3, rating_mean: 14 / 3 });
    expect(await popularTitles()).toEqual(['A', 'D', 'B', 'C']);
  });

  it('moves an item at once when its rating changes (5 → 1), by the delta', async () => {
    expect((await send({ item_id: id('B'), type: 'rating', value: 5 })).statusCode).toBe(200);
    expect(await item('B')).toMatchObject({ rating_count: 2, rating_mean: 4 });
    expect((await item('B')).popularity).toBeCloseTo(wr(2, 8), 10);
    expect(await popularTitles()).toEqual(['A', 'B', 'D', 'C']);

    expect((await send({ item_id: id('B'), type: 'rating', value: 1 })).statusCode).toBe(200);
    expect(await item('B')).toMatchObject({ rating_count: 2, rating_mean: 2 });
    expect((await item('B')).popularity).toBeCloseTo(wr(2, 4), 10);
    expect(await popularTitles()).toEqual(['A', 'D', 'B', 'C']);
  });
});

describe('feedback', () => {
  it('counts views, keeps the latest of like and dislike, and the latest rating', async () => {
    const res = await send([
      { item_id: id('C'), type: 'view' },
      { item_id: id('C'), type: 'view' },
      { item_id: id('C'), type: 'like' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ recorded: 3 });
    await send({ item_id: id('C'), type: 'view' });
    await send({ item_id: id('C'), type: 'dislike' });
    const mine = await createFeedbackReader(t.db.database.db).forUser(alice.id);
    const onC = mine.rows.filter((r) => r.itemId === id('C')).map((r) => [r.type, r.value]);
    expect(onC.sort()).toEqual([
      ['dislike', null],
      ['view', 3],
    ]);
    expect(mine.rows.find((r) => r.itemId === id('B'))).toMatchObject({ type: 'rating', value: 1 });
  });

  it.each([
    ['a rating of 6', { item_id: 'B', type: 'rating', value: 6 }],
    ['a negative rating', { item_id: 'B', type: 'rating', value: -1 }],
    ['a rating without a value', { item_id: 'B', type: 'rating' }],
    ['a like with a value', { item_id: 'B', type: 'like', value: 3 }],
    ['an unknown type', { item_id: 'B', type: 'love' }],
    ['an unknown item', { item_id: '0190a0a0-0000-7000-8000-000000000000', type: 'view' }],
    ['a malformed item id', { item_id: 'B; drop table items', type: 'view' }],
    [
      'a good entry then an unknown item',
      [
        { item_id: 'A', type: 'rating', value: 3 },
        { item_id: '0190a0a0-0000-7000-8000-000000000000', type: 'like' },
      ],
    ],
  ])('refuses %s with a 422 and nothing written', async (_name, body) => {
    const resolve = (entry: Record<string, unknown>) => ({
      ...entry,
      item_id: ids.get(entry.item_id as string) ?? entry.item_id,
    });
    const payload = Array.isArray(body) ? body.map(resolve) : resolve(body);
    const before = await dataDigest(t);
    const res = await send(payload);
    expect(res.statusCode, res.body).toBe(422);
    expect(await dataDigest(t)).toBe(before);
  });

  it('refuses feedback without a credential', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/feedback',
      payload: { item_id: id('A'), type: 'view' },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('bad recommendations and liked genres', () => {
  it('stores a bad-recommendation mark with its reasons (a bare year is a range)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/items/${id('D')}/bad-recommendation`,
      headers: alice.headers,
      payload: { reasons: { genres: ['Drama'], year: 1999, text: 'Too slow' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().reasons).toEqual({
      genres: ['Drama'],
      year: { from: 1999, to: 1999 },
      text: 'Too slow',
    });
    const { bad } = await createFeedbackReader(t.db.database.db).forUser(alice.id);
    expect(bad).toEqual([expect.objectContaining({ itemId: id('D'), reasons: res.json().reasons })]);
  });

  it.each([
    ['an unknown item', '0190a0a0-0000-7000-8000-000000000000', { reasons: {} }, 404],
    ['a year range backwards', 'D', { reasons: { year: { from: 2000, to: 1990 } } }, 422],
    ['an unknown reason', 'D', { reasons: { mood: 'meh' } }, 422],
    ['no reasons', 'D', {}, 422],
  ])('refuses %s', async (_name, item, payload, status) => {
    const before = await dataDigest(t);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/items/${ids.get(item) ?? item}/bad-recommendation`,
      headers: alice.headers,
      payload,
    });
    expect(res.statusCode, res.body).toBe(status);
    expect(await dataDigest(t)).toBe(before);
  });

  it('likes and unlikes genres idempotently', async () => {
    const genres = async () =>
      (await t.app.inject({ method: 'GET', url: '/v1/me/genres', headers: alice.headers })).json().genres;
    const put = (g: string) =>
      t.app.inject({ method: 'PUT', url: `/v1/me/genres/${encodeURIComponent(g)}`, headers: alice.headers });
    expect((await put('Sci-Fi')).statusCode).toBe(204);
    expect((await put('Sci-Fi')).statusCode).toBe(204);
    expect((await put('Film Noir')).statusCode).toBe(204);
    expect(await genres()).toEqual(['Film Noir', 'Sci-Fi']);
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/me/genres/Sci-Fi', headers: alice.headers });
    expect(del.statusCode).toBe(204);
    expect(await genres()).toEqual(['Film Noir']);
    expect(await createFeedbackReader(t.db.database.db).likedGenres(alice.id)).toEqual(['Film Noir']);
  });

  it('never writes on GET', async () => {
    const before = await dataDigest(t);
    await t.app.inject({ method: 'GET', url: '/v1/me/genres', headers: alice.headers });
    await t.app.inject({ method: 'GET', url: '/v1/items', headers: alice.headers });
    expect(await dataDigest(t)).toBe(before);
  });
});

describe('export and account deletion', () => {
  it('exports the account’s feedback, then erases it and takes its ratings out of the counters', async () => {
    const bob = await signUp(t);
    await send({ item_id: id('A'), type: 'rating', value: 1 }, bob);
    expect(await item('A')).toMatchObject({ rating_count: 4 });
    await t.app.inject({ method: 'PUT', url: '/v1/me/genres/Drama', headers: bob.headers });
    const exported = await t.app.inject({
      method: 'GET',
      url: `/v1/accounts/${bob.id}/export`,
      headers: bob.headers,
    });
    expect(exported.json().sections.feedback).toMatchObject({
      feedback: [{ item_id: id('A'), type: 'rating', value: 1 }],
      liked_genres: ['Drama'],
    });
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${bob.id}`,
      headers: admin.headers,
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(await item('A')).toMatchObject({ rating_count: 3, rating_mean: 14 / 3 });
    expect(await createFeedbackReader(t.db.database.db).forUser(bob.id)).toEqual({ rows: [], bad: [] });
    expect(await createFeedbackReader(t.db.database.db).likedGenres(bob.id)).toEqual([]);
  });
});
