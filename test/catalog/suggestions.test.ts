// /v1/items/suggestions: users suggest, admins list, accept (an item, once) or decline; export and deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { dataDigest } from './helpers.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
});
afterAll(() => t?.close());

const suggest = (user: TestUser, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/items/suggestions', headers: user.headers, payload });
const decide = (id: string, action: 'accept' | 'decline', user: TestUser = admin) =>
  t.app.inject({ method: 'POST', url: `/v1/items/suggestions/${id}/${action}`, headers: user.headers });
const list = (query = '', user: TestUser = admin) =>
  t.app.inject({ method: 'GET', url: `/v1/items/suggestions${query}`, headers: user.headers });

describe('suggestions', () => {
  it('a user suggests, an admin accepts once: it becomes an item', async () => {
    const res = await suggest(alice, {
      kind: 'book',
      title: 'Neuromancer',
      genres: ['Cyberpunk'],
      year: 1984,
      note: 'A classic',
    });
    expect(res.statusCode, res.body).toBe(201);
    const suggestion = res.json();
    expect(suggestion).toMatchObject({ status: 'pending', account_id: alice.id, item_id: null });
    expect((await list()).json().items.map((s: { id: string }) => s.id)).toContain(suggestion.id);

    const accepted = await decide(suggestion.id, 'accept');
    expect(accepted.statusCode, accepted.body).toBe(201);
    const item = accepted.json();
    expect(item).toMatchObject({ kind: 'book', title: 'Neuromancer', genres: ['Cyberpunk'], year: 1984 });
    const read = await t.app.inject({ method: 'GET', url: `/v1/items/${item.id}`, headers: alice.headers });
    expect(read.statusCode).toBe(200);

    const before = await dataDigest(t);
    expect((await decide(suggestion.id, 'accept')).statusCode).toBe(409);
    expect((await decide(suggestion.id, 'decline')).statusCode).toBe(409);
    expect(await dataDigest(t)).toBe(before);
    const acceptedList = (await list('?status=accepted')).json().items;
    expect(acceptedList[0]).toMatchObject({ id: suggestion.id, item_id: item.id, status: 'accepted' });
  });

  it('an admin declines: no item', async () => {
    const { id } = (await suggest(alice, { kind: 'game', title: 'Not this one' })).json();
    const res = await decide(id, 'decline');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'declined', item_id: null });
    expect((await decide(id, 'accept')).statusCode).toBe(409);
  });

  it.each([
    ['a user lists', () => list('', alice), 403],
    [
      'a user accepts',
      async () => decide((await suggest(alice, { kind: 'game', title: 'G' })).json().id, 'accept', alice),
      403,
    ],
    ['an unknown suggestion', () => decide('0190a0a0-0000-7000-8000-000000000000', 'accept'), 404],
    ['an unknown kind', () => suggest(alice, { kind: 'podcast', title: 'P' }), 422],
    ['an unknown status', () => list('?status=maybe'), 422],
  ])('refuses %s', async (_name, call, status) => {
    expect((await call()).statusCode).toBe(status);
  });

  it('exports the account’s suggestions and erases them with the account', async () => {
    const bob = await signUp(t);
    await suggest(bob, { kind: 'movie', title: 'Bob’s film' });
    const exported = await t.app.inject({
      method: 'GET',
      url: `/v1/accounts/${bob.id}/export`,
      headers: bob.headers,
    });
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.json().sections.item_suggestions.map((s: { title: string }) => s.title)).toEqual([
      'Bob’s film',
    ]);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${bob.id}`,
      headers: admin.headers,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const rows = await t.db.database.query('select * from item_suggestions where account_id = $1', [bob.id]);
    expect(rows).toHaveLength(0);
  });
});
