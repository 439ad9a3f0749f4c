import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, uniqueEmail, type TestUser } from '../helpers/auth.ts';
import { buildAccountsApp, type AccountsTestApp } from './setup.ts';

let t: AccountsTestApp;
let admin: TestUser;
const ids: Record<string, string> = {};

// Seven accounts besides the admin: a..f are users, g an admin; c and d are inactive; e (whose phone
// number a filter below matches) is deleted and must never appear.
const SEED = [
  { key: 'a', email: 'Carol@search.test', phone_number: '111-111-1111' },
  { key: 'b', email: 'alice@search.test', phone_number: '222-222-2222' },
  { key: 'c', email: 'bob@search.test', phone_number: '111-111-1111', is_active: false },
  { key: 'd', email: 'dave@search.test', is_active: false },
  { key: 'e', email: 'erin@search.test', phone_number: '111-111-1111' },
  { key: 'f', email: 'frank@search.test' },
  { key: 'g', email: 'grace@search.test', roles: ['admin', 'user'] },
];

beforeAll(async () => {
  t = await buildAccountsApp();
  admin = await signUp(t, { admin: true, email: uniqueEmail('zz-admin') });
  for (const { key, ...fields } of SEED) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: admin.headers,
      payload: { password: 'a-g00d-passphrase', ...fields },
    });
    ids[key] = res.json().id;
  }
  await t.app.inject({ method: 'DELETE', url: `/v1/accounts/${ids.e}`, headers: admin.headers });
});
afterAll(() => t?.close());

const search = (payload: unknown) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/accounts/search',
    headers: admin.headers,
    payload: payload as object,
  });
const keysOf = (body: { items: { id: string }[] }) =>
  body.items.map((a) => Object.keys(ids).find((k) => ids[k] === a.id) ?? 'admin');

describe('POST /v1/accounts/search', () => {
  it('with an empty body: every live account, newest first, page 1 of 25', async () => {
    const res = await search({});
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(keysOf(body)).toEqual(['g', 'f', 'd', 'c', 'b', 'a', 'admin']);
    expect(body.pagination_info).toEqual({
      page_offset: 1,
      page_size: 25,
      total_records: 7,
      total_pages: 1,
      order_by: 'created_at',
      sort_direction: 'descending',
    });
  });

  it.each([
    ['phone number', { phone_number: '111-111-1111' }, ['c', 'a']],
    ['inactive', { is_active: false }, ['d', 'c']],
    ['active', { is_active: true }, ['g', 'f', 'b', 'a', 'admin']],
    ['role admin', { role: 'admin' }, ['g', 'admin']],
    ['email, case-insensitively', { email: 'CAROL@Search.Test' }, ['a']],
    ['phone and active together', { phone_number: '111-111-1111', is_active: true }, ['a']],
    ['a phone number nobody has', { phone_number: '333-333-3333' }, []],
  ])('filters by %s', async (_name, filter, expected) => {
    const body = (await search(filter)).json();
    expect(keysOf(body)).toEqual(expected);
    expect(body.pagination_info.total_records).toBe(expected.length);
  });

  it('sorts by email (case-insensitively) in both directions', async () => {
    const up = (await search({ sorting: { order_by: 'email', sort_direction: 'ascending' } })).json();
    expect(keysOf(up)).toEqual(['b', 'c', 'a', 'd', 'f', 'g', 'admin']);
    const down = (await search({ sorting: { order_by: 'email', sort_direction: 'descending' } })).json();
    expect(keysOf(down)).toEqual(['admin', 'g', 'f', 'd', 'a', 'c', 'b']);
  });

  it.each([
    ['a sorting block without direction', { sorting: { order_by: 'id' } }, 'id', 'descending'],
    [
      'a sorting block without order_by',
      { sorting: { sort_direction: 'ascending' } },
      'created_at',
      'ascending',
    ],
    ['an empty sorting block', { sorting: {} }, 'created_at', 'descending'],
  ])('fills in %s with defaults', async (_name, payload, orderBy, direction) => {
    const res = await search(payload);
    expect(res.statusCode).toBe(200);
    expect(res.json().pagination_info).toMatchObject({ order_by: orderBy, sort_direction: direction });
  });

  it('pages with 1-based page_offset; a page past the end is empty, not an error', async () => {
    const page = async (page_offset: number) =>
      (
        await search({
          sorting: { order_by: 'id', sort_direction: 'ascending' },
          paging: { page_size: 3, page_offset },
        })
      ).json();
    const [one, two, three, four] = [await page(1), await page(2), await page(3), await page(4)];
    expect(keysOf(one)).toEqual(['admin', 'a', 'b']);
    expect(keysOf(two)).toEqual(['c', 'd', 'f']);
    expect(keysOf(three)).toEqual(['g']);
    expect(four.items).toEqual([]);
    expect(four.pagination_info).toEqual({
      page_offset: 4,
      page_size: 3,
      total_records: 7,
      total_pages: 3,
      order_by: 'id',
      sort_direction: 'ascending',
    });
  });

  it('fills in a paging block missing either field', async () => {
    expect((await search({ paging: { page_size: 2 } })).json().pagination_info).toMatchObject({
      page_offset: 1,
      page_size: 2,
    });
    expect((await search({ paging: { page_offset: 2 } })).json().pagination_info).toMatchObject({
      page_offset: 2,
      page_size: 25,
    });
    expect((await search({ paging: {} })).statusCode).toBe(200);
  });

  it('a filter that matches nothing gives zero pages', async () => {
    const body = (await search({ email: 'nobody@search.test' })).json();
    expect(body).toMatchObject({ items: [], pagination_info: { total_records: 0, total_pages: 0 } });
  });

  it.each([
    ['page_size 0', { paging: { page_size: 0 } }, '/body/paging/page_size'],
    ['page_size 101', { paging: { page_size: 101 } }, '/body/paging/page_size'],
    ['page_offset 0', { paging: { page_offset: 0 } }, '/body/paging/page_offset'],
    ['page_size as a string', { paging: { page_size: '10' } }, '/body/paging/page_size'],
    ['an unknown order_by', { sorting: { order_by: 'password_hash' } }, '/body/sorting/order_by'],
    ['an unknown direction', { sorting: { sort_direction: 'up' } }, '/body/sorting/sort_direction'],
    ['a bad phone number', { phone_number: '1111111111' }, '/body/phone_number'],
    ['an unknown role', { role: 'root' }, '/body/role'],
    ['an unknown field', { name: 'x' }, '/body/name'],
    ['an unknown paging field', { paging: { limit: 5 } }, '/body/paging/limit'],
  ])('refuses %s: 422', async (_name, payload, path) => {
    const res = await search(payload);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses a body that is not an object: 422', async () => {
    expect((await search([])).statusCode).toBe(422);
  });
});
