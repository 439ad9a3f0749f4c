import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema/accounts.ts';
import { signUp, uniqueEmail, type TestUser } from '../helpers/auth.ts';
import { buildAccountsApp, type AccountsTestApp } from './setup.ts';

let t: AccountsTestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildAccountsApp();
  admin = await signUp(t, { admin: true });
});
afterAll(async () => {
  // Nothing the app sent — accounts, problems, tokens — ever carried a password hash.
  expect(t.bodies.length).toBeGreaterThan(0);
  for (const body of t.bodies) {
    expect(body).not.toMatch(/\$argon2|password_hash|passwordHash/);
  }
  await t.close();
});

const PASS = 'a-g00d-passphrase';
const create = (payload: object, headers = admin.headers) =>
  t.app.inject({ method: 'POST', url: '/v1/accounts', headers, payload });
const patch = (id: string, payload: object, headers = admin.headers) =>
  t.app.inject({ method: 'PATCH', url: `/v1/accounts/${id}`, headers, payload });
const row = async (id: string) =>
  (await t.db.database.db.select().from(accounts).where(eq(accounts.id, id)))[0]!;

describe('POST /v1/accounts', () => {
  it('creates an account with defaults and an argon2id hash', async () => {
    const email = uniqueEmail();
    const res = await create({ email, password: PASS });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      email,
      roles: ['user'],
      is_active: true,
      email_verified: false,
      name: null,
    });
    expect(Object.keys(body).sort()).toEqual(
      [
        'created_at',
        'date_of_birth',
        'email',
        'email_verified',
        'first_name',
        'id',
        'is_active',
        'last_name',
        'middle_name',
        'name',
        'phone_number',
        'roles',
        'updated_at',
      ].sort(),
    );
    expect((await row(body.id)).passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('takes every profile field, roles and is_active', async () => {
    const payload = {
      email: uniqueEmail(),
      password: PASS,
      name: 'Ada L.',
      first_name: 'Ada',
      middle_name: 'King',
      last_name: 'Lovelace',
      phone_number: '123-456-7890',
      date_of_birth: '1990-12-10',
      is_active: false,
      roles: ['user', 'admin'],
    };
    const res = await create(payload);
    expect(res.statusCode).toBe(201);
    const { password: _password, roles: _roles, ...profile } = payload;
    expect(res.json()).toMatchObject({ ...profile, roles: ['admin', 'user'] });
  });

  it('refuses a taken email whatever its case: 409', async () => {
    const email = uniqueEmail();
    expect((await create({ email, password: PASS })).statusCode).toBe(201);
    const res = await create({ email: email.toUpperCase(), password: PASS });
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toBe('urn:bulwark:problem:conflict');
  });

  it.each([
    ['a short password', { password: 'short' }, '/body/password'],
    ['a common password', { password: 'password123' }, '/body/password'],
    ['a bad phone number', { phone_number: '1234567890' }, '/body/phone_number'],
    ['a birth date in the future', { date_of_birth: '2999-01-01' }, '/body/date_of_birth'],
    ['a birth date before 1900', { date_of_birth: '0000-01-01' }, '/body/date_of_birth'],
    ['an impossible date', { date_of_birth: '2001-02-30' }, '/body/date_of_birth'],
    ['an unknown role', { roles: ['root'] }, '/body/roles/0'],
    ['no roles', { roles: [] }, '/body/roles'],
    ['a duplicate role', { roles: ['user', 'user'] }, '/body/roles'],
    ['a too long name', { name: 'x'.repeat(201) }, '/body/name'],
    ['an empty first name', { first_name: '' }, '/body/first_name'],
    ['is_active as a string', { is_active: 'yes' }, '/body/is_active'],
  ])('refuses %s: 422 naming the field', async (_name, fields, path) => {
    const res = await create({ email: uniqueEmail(), password: PASS, ...fields });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses a missing email and a non-JSON body', async () => {
    expect((await create({ password: PASS })).statusCode).toBe(422);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: { ...admin.headers, 'content-type': 'text/plain' },
      payload: 'email=x',
    });
    expect(res.statusCode).toBe(415);
  });
});

describe('GET /v1/accounts/{id}', () => {
  it('shows an account to itself and to admins', async () => {
    const user = await signUp(t);
    for (const headers of [user.headers, admin.headers]) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/accounts/${user.id}`, headers });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: user.id, email: user.email });
    }
  });
});

describe('PATCH /v1/accounts/{id}', () => {
  it('updates only the fields sent; null clears one', async () => {
    const user = await signUp(t);
    await patch(user.id, { first_name: 'Ann', last_name: 'Lee', phone_number: '555-123-4567' }, user.headers);
    const res = await patch(user.id, { first_name: null }, user.headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ first_name: null, last_name: 'Lee', phone_number: '555-123-4567' });
  });

  it('an empty patch changes nothing', async () => {
    const user = await signUp(t);
    const res = await patch(user.id, {}, user.headers);
    expect(res.statusCode).toBe(200);
    expect(res.json().email).toBe(user.email);
  });

  it('a new email is unverified; a taken one (any case) is 409', async () => {
    const user = await signUp(t);
    const other = await signUp(t);
    await t.db.database.db.update(accounts).set({ emailVerified: true }).where(eq(accounts.id, user.id));
    expect((await patch(user.id, { email: other.email.toUpperCase() })).statusCode).toBe(409);
    // A change of case only is the same address: still verified.
    const recased = await patch(user.id, { email: user.email.toUpperCase() });
    expect(recased.json()).toMatchObject({ email: user.email.toUpperCase(), email_verified: true });
    const moved = await patch(user.id, { email: uniqueEmail('moved') });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().email_verified).toBe(false);
  });

  it.each([
    ['roles', { roles: ['admin', 'user'] }],
    ['is_active', { is_active: false }],
  ])('a non-admin may not change %s: 403, and nothing changes', async (_name, fields) => {
    const user = await signUp(t);
    const res = await patch(user.id, { ...fields, name: 'Sneaky' }, user.headers);
    expect(res.statusCode).toBe(403);
    const stored = await row(user.id);
    expect(stored).toMatchObject({ roles: ['user'], isActive: true, name: null });
  });

  it('a non-admin may send the roles and is_active it already has (not a change)', async () => {
    const user = await signUp(t);
    const res = await patch(user.id, { roles: ['user'], is_active: true, name: 'Same' }, user.headers);
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('Same');
  });

  it('an admin changes roles and is_active', async () => {
    const user = await signUp(t);
    const res = await patch(user.id, { roles: ['admin', 'user'], is_active: false });
    expect(res.json()).toMatchObject({ roles: ['admin', 'user'], is_active: false });
  });

  it.each([
    ['a bad phone number', { phone_number: '555 123 4567' }],
    ['a future birth date', { date_of_birth: '2999-12-31' }],
    ['a null email', { email: null }],
    ['a password', { password: PASS }],
  ])('refuses %s: 422', async (_name, fields) => {
    const user = await signUp(t);
    expect((await patch(user.id, fields, user.headers)).statusCode).toBe(422);
  });
});

describe('the last active admin', () => {
  it('cannot demote, deactivate or delete itself; with another admin it can', async () => {
    const { t: solo, only } = await isolatedAdmin();
    try {
      const url = `/v1/accounts/${only.id}`;
      for (const payload of [{ roles: ['user'] }, { is_active: false }]) {
        const res = await solo.app.inject({ method: 'PATCH', url, headers: only.headers, payload });
        expect(res.statusCode).toBe(409);
      }
      expect((await solo.app.inject({ method: 'DELETE', url, headers: only.headers })).statusCode).toBe(409);
      await signUp(solo, { admin: true });
      const res = await solo.app.inject({
        method: 'PATCH',
        url,
        headers: only.headers,
        payload: { roles: ['user'] },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await solo.close();
    }
  });
  it('two admins demoting themselves at once: exactly one succeeds, never a deadlock or a 500', async () => {
    const { t: solo, only } = await isolatedAdmin();
    try {
      const second = await signUp(solo, { admin: true });
      const demote = (user: { id: string; headers: Record<string, string> }) =>
        solo.app.inject({
          method: 'PATCH',
          url: `/v1/accounts/${user.id}`,
          headers: user.headers,
          payload: { roles: ['user'] },
        });
      const statuses = (await Promise.all([demote(only), demote(second)])).map((r) => r.statusCode);
      expect(statuses.sort()).toEqual([200, 409]);
    } finally {
      await solo.close();
    }
  });
});

/** A database with exactly one admin. */
async function isolatedAdmin() {
  const solo = await buildAccountsApp();
  return { t: solo, only: await signUp(solo, { admin: true }) };
}

describe('GET /v1/accounts', () => {
  it('pages through every live account in creation order with an opaque cursor', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await create({ email: uniqueEmail('page'), password: PASS })).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ method: 'GET', url, headers: admin.headers });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((a: { id: string }) => a.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => made.includes(id))).toEqual(made);
  });

  it('finds one account by email, case-insensitively, and hides deleted ones', async () => {
    const user = await signUp(t);
    const find = async () =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/accounts?email=${user.email.toUpperCase()}`,
          headers: admin.headers,
        })
      ).json();
    expect((await find()).items.map((a: { id: string }) => a.id)).toEqual([user.id]);
    await t.app.inject({ method: 'DELETE', url: `/v1/accounts/${user.id}`, headers: admin.headers });
    expect(await find()).toEqual({ items: [], next_cursor: null });
  });

  it('defaults to 20 per page', async () => {
    for (let i = 0; i < 20; i++) await create({ email: uniqueEmail('many'), password: PASS });
    const body = (await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: admin.headers })).json();
    expect(body.items).toHaveLength(20);
    expect(body.next_cursor).toEqual(expect.any(String));
  });

  it.each(['limit=abc', 'limit=-1', 'email=not-an-email'])('refuses ?%s: 422', async (query) => {
    expect(
      (await t.app.inject({ method: 'GET', url: `/v1/accounts?${query}`, headers: admin.headers }))
        .statusCode,
    ).toBe(422);
  });
});
