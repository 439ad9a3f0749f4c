// /v1/items: creation (one transaction), reading, listing by popularity, full-text search, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { createItems, dataDigest } from './helpers.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;
let ids: Map<string, string>;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
  ids = await createItems(t, admin, [
    {
      external_id: 'm1',
      kind: 'movie',
      title: 'Toy Story',
      description: 'Toys come alive when nobody looks.',
      genres: ['Animation', 'Comedy'],
      year: 1995,
      attributes: { director: 'John Lasseter' },
    },
    {
      external_id: 'm2',
      kind: 'movie',
      title: 'Star Wars',
      description: 'A space opera; a farm boy joins a rebellion.',
      genres: ['Sci-Fi'],
      year: 1977,
    },
    {
      kind: 'book',
      title: 'Dune',
      description: 'Spice, sand and a desert planet. Not about toys.',
      genres: ['Sci-Fi'],
      year: 1965,
    },
    { kind: 'game', title: 'Story of Seasons', description: 'A farm game.', genres: ['Simulation'] },
  ]);
});
afterAll(() => t?.close());

const get = (url: string, user: TestUser = alice) =>
  t.app.inject({ method: 'GET', url, headers: user.headers });

describe('creating and reading items', () => {
  it('creates one item and returns it with its popularity', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      headers: admin.headers,
      payload: { kind: 'track', title: 'Bohemian Rhapsody', genres: ['Rock'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const item = res.json();
    expect(item).toMatchObject({
      kind: 'track',
      title: 'Bohemian Rhapsody',
      genres: ['Rock'],
      rating_count: 0,
      rating_mean: null,
      external_id: null,
    });
    const read = await get(`/v1/items/${item.id}`);
    expect(read.json()).toEqual(item);
  });

  it('reads an item with all its fields', async () => {
    const res = await get(`/v1/items/${ids.get('Toy Story')}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      external_id: 'm1',
      year: 1995,
      attributes: { director: 'John Lasseter' },
    });
  });

  it('404s an unknown item', async () => {
    expect((await get('/v1/items/0190a0a0-0000-7000-8000-000000000000')).statusCode).toBe(404);
  });

  it.each([
    ['an unknown kind', [{ kind: 'podcast', title: 'X' }], 422],
    ['no title', [{ kind: 'movie' }], 422],
    ['a year out of range', [{ kind: 'movie', title: 'X', year: 100000 }], 422],
    ['a NUL in the title', [{ kind: 'movie', title: 'a\u0000b' }], 422],
    ['a NUL in an attribute key', [{ kind: 'movie', title: 'X', attributes: { 'a\u0000': 1 } }], 422],
    ['a nested attribute object', [{ kind: 'movie', title: 'X', attributes: { a: { b: 1 } } }], 422],
    ['an unknown field', [{ kind: 'movie', title: 'X', rating: 5 }], 422],
    [
      'a good item then a bad one',
      [
        { kind: 'movie', title: 'Fine' },
        { kind: 'podcast', title: 'Bad' },
      ],
      422,
    ],
    [
      'an external_id twice',
      [
        { kind: 'movie', title: 'A', external_id: 'dup' },
        { kind: 'movie', title: 'B', external_id: 'dup' },
      ],
      422,
    ],
    ['an external_id that exists', [{ kind: 'movie', title: 'Again', external_id: 'm1' }], 409],
  ])('refuses %s with nothing written', async (_name, payload, status) => {
    const before = await dataDigest(t);
    const res = await t.app.inject({ method: 'POST', url: '/v1/items', headers: admin.headers, payload });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await dataDigest(t)).toBe(before);
  });

  it.each([
    ['a user', () => alice.headers, 403],
    ['nobody', () => ({}), 401],
  ])('refuses creation by %s', async (_name, headers, status) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      headers: headers(),
      payload: { kind: 'movie', title: 'X' },
    });
    expect(res.statusCode).toBe(status);
  });
});

describe('listing and searching', () => {
  it('filters by kind and genre', async () => {
    const titles = async (query: string) =>
      (await get(`/v1/items?${query}`)).json().items.map((i: { title: string }) => i.title);
    expect(await titles('kind=book')).toEqual(['Dune']);
    expect((await titles('genre=Sci-Fi')).sort()).toEqual(['Dune', 'Star Wars']);
    expect(await titles('kind=movie&genre=Sci-Fi')).toEqual(['Star Wars']);
  });

  it('ranks by relevance: a title match before a description match; websearch syntax works', async () => {
    const titles = async (q: string) =>
      (await get(`/v1/items?q=${encodeURIComponent(q)}`)).json().items.map((i: { title: string }) => i.title);
    expect(await titles('toys')).toEqual(['Toy Story', 'Dune']);
    expect((await titles('story')).sort()).toEqual(['Story of Seasons', 'Toy Story']);
    expect(await titles('farm')).toHaveLength(2);
    expect(await titles('farm -game')).toEqual(['Star Wars']);
    expect(await titles('"space opera"')).toEqual(['Star Wars']);
    expect(await titles('toys or spice')).toContain('Dune');
    expect(await titles('zzzz')).toEqual([]);
  });

  it('takes any text as a query without an error (websearch_to_tsquery never fails)', async () => {
    for (const q of ['"', '-', '!!!', 'a & b | c', "'", '()', 'or or or']) {
      const res = await get(`/v1/items?q=${encodeURIComponent(q)}`);
      expect(res.statusCode, q).toBe(200);
    }
  });

  it('pages with a cursor, every item once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/v1/items?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((i: { id: string }) => i.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['a forged cursor', 'cursor=bm90LWEtY3Vyc29y', 400],
    [
      'a search cursor on the popularity list',
      `cursor=${Buffer.from(JSON.stringify(['q', 0.1, '0190a0a0-0000-7000-8000-000000000000'])).toString('base64url')}`,
      400,
    ],
    ['a limit of 0', 'limit=0', 422],
    ['a limit of 101', 'limit=101', 422],
    ['an unknown kind', 'kind=podcast', 422],
  ])('refuses %s', async (_name, query, status) => {
    expect((await get(`/v1/items?${query}`)).statusCode).toBe(status);
  });

  it('never writes on GET', async () => {
    const before = await dataDigest(t);
    await get('/v1/items?q=toys');
    await get('/v1/items');
    await get(`/v1/items/${ids.get('Dune')}`);
    expect(await dataDigest(t)).toBe(before);
  });
});
