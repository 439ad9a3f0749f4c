// Role changes, deactivation, email changes and deletion refuse the credentials issued before them.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema/accounts.ts';
import { apiKeys } from '../../src/db/schema/api-keys.ts';
import { sessions } from '../../src/db/schema/sessions.ts';
import { basic, bearer, cookieLogin, passwordGrant, signUp, type TestUser } from '../helpers/auth.ts';
import { buildAccountsApp, createKeyFor, FAIL_DELETE, type AccountsTestApp } from './setup.ts';

let t: AccountsTestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildAccountsApp();
  admin = await signUp(t, { admin: true });
});
afterAll(() => t?.close());

/** Every way the user can present itself, each checked against GET /v1/accounts/{id}. */
async function credentialsOf(user: TestUser) {
  const key = await createKeyFor(t, user.token);
  const { cookie } = await cookieLogin(t, user.email);
  return {
    bearer: bearer(user.token),
    apiKey: { 'x-auth': key },
    cookie: { cookie },
    basic: basic(user.email, user.password),
  };
}

const readSelf = async (id: string, headers: Record<string, string>) =>
  (await t.app.inject({ method: 'GET', url: `/v1/accounts/${id}`, headers })).statusCode;
const patch = (id: string, payload: object, headers = admin.headers) =>
  t.app.inject({ method: 'PATCH', url: `/v1/accounts/${id}`, headers, payload });
const refresh = (refreshToken: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });
const tokenGrant = (username: string, password: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    payload: { grant_type: 'password', username, password },
  });

async function statuses(id: string, credentials: Record<string, Record<string, string>>) {
  const out: Record<string, number> = {};
  for (const [name, headers] of Object.entries(credentials)) out[name] = await readSelf(id, headers);
  return out;
}

describe('role changes', () => {
  it('promotion refuses the old access token; a new one carries the admin scope', async () => {
    const user = await signUp(t);
    expect(await readSelf(user.id, user.headers)).toBe(200);
    expect((await patch(user.id, { roles: ['admin', 'user'] })).statusCode).toBe(200);
    expect(await readSelf(user.id, user.headers)).toBe(401);
    const fresh = await passwordGrant(t, user.email);
    const list = await t.app.inject({
      method: 'GET',
      url: '/v1/accounts',
      headers: bearer(fresh.accessToken),
    });
    expect(list.statusCode).toBe(200);
  });

  it('demotion refuses the old admin token at once', async () => {
    const other = await signUp(t, { admin: true });
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: other.headers })).statusCode,
    ).toBe(200);
    expect((await patch(other.id, { roles: ['user'] })).statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: other.headers })).statusCode,
    ).toBe(401);
  });

  it('an unchanged role list refuses nothing', async () => {
    const user = await signUp(t);
    expect((await patch(user.id, { roles: ['user'], name: 'Kept' })).statusCode).toBe(200);
    expect(await readSelf(user.id, user.headers)).toBe(200);
  });
});

describe('deactivation', () => {
  it('refuses every scheme and new sign-ins; reactivation lets the account sign in again', async () => {
    const user = await signUp(t);
    const credentials = await credentialsOf(user);
    expect(await statuses(user.id, credentials)).toEqual({
      bearer: 200,
      apiKey: 200,
      cookie: 200,
      basic: 200,
    });

    expect((await patch(user.id, { is_active: false })).json().is_active).toBe(false);
    expect(await statuses(user.id, credentials)).toEqual({
      bearer: 401,
      apiKey: 401,
      cookie: 401,
      basic: 401,
    });
    expect((await tokenGrant(user.email, user.password)).statusCode).toBe(401);
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);

    expect((await patch(user.id, { is_active: true })).statusCode).toBe(200);
    expect((await tokenGrant(user.email, user.password)).statusCode).toBe(200);
    // Sessions ended with the deactivation; the API key and Basic work again; the old token never does.
    expect(await statuses(user.id, credentials)).toEqual({
      bearer: 401,
      apiKey: 200,
      cookie: 401,
      basic: 200,
    });
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);
  });
});

describe('email change', () => {
  // The account's own change waits for the new address (test/accounts/email-change.test.ts); an admin's applies.
  it("an admin's refuses the access tokens issued before it; the new address signs in", async () => {
    const user = await signUp(t);
    const email = `moved-${user.email}`;
    expect((await patch(user.id, { email })).statusCode).toBe(200);
    expect(await readSelf(user.id, user.headers)).toBe(401);
    expect(await readSelf(user.id, basic(email, user.password))).toBe(200);
    expect(await readSelf(user.id, basic(user.email, user.password))).toBe(401);
  });
});

describe('DELETE /v1/accounts/{id}', () => {
  it('refuses every credential, revokes sessions and keys, erases personal data, emits account.deleted', async () => {
    const user = await signUp(t);
    await patch(
      user.id,
      {
        name: 'Del Eted',
        first_name: 'Del',
        middle_name: 'E',
        last_name: 'Ted',
        phone_number: '999-999-9999',
        date_of_birth: '1980-01-01',
      },
      user.headers,
    );
    const credentials = await credentialsOf(user);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/accounts/${user.id}`, headers: user.headers }))
        .statusCode,
    ).toBe(204);

    expect(await statuses(user.id, credentials)).toEqual({
      bearer: 401,
      apiKey: 401,
      cookie: 401,
      basic: 401,
    });
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);
    expect((await tokenGrant(user.email, user.password)).statusCode).toBe(401);
    expect(await readSelf(user.id, admin.headers)).toBe(404);

    const db = t.db.database.db;
    const [row] = await db.select().from(accounts).where(eq(accounts.id, user.id));
    expect(row).toMatchObject({
      email: null,
      name: null,
      firstName: null,
      middleName: null,
      lastName: null,
      phoneNumber: null,
      dateOfBirth: null,
      passwordHash: null,
      isActive: false,
      deletedAt: expect.any(Date),
    });
    expect(row!.tokensValidAfter.getTime()).toBe(row!.deletedAt!.getTime());
    const liveSessions = (await db.select().from(sessions).where(eq(sessions.accountId, user.id))).filter(
      (s) => !s.revokedAt,
    );
    expect(liveSessions).toEqual([]);
    const keys = await db.select().from(apiKeys).where(eq(apiKeys.accountId, user.id));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.revokedAt !== null)).toBe(true);
    expect(t.deletedEvents.filter((e) => e.accountId === user.id)).toEqual([
      { accountId: user.id, email: user.email },
    ]);
  });

  it('is 404 the second time, and the email is free again', async () => {
    const user = await signUp(t);
    const url = `/v1/accounts/${user.id}`;
    expect((await t.app.inject({ method: 'DELETE', url, headers: admin.headers })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url, headers: admin.headers })).statusCode).toBe(404);
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: user.email, password: user.password },
    });
    expect(again.statusCode).toBe(201);
  });

  it('is one transaction: a failing account.deleted handler leaves everything as it was', async () => {
    const user = await signUp(t);
    const credentials = await credentialsOf(user);
    FAIL_DELETE.id = user.id;
    try {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/v1/accounts/${user.id}`,
        headers: admin.headers,
      });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('a handler failed');
    } finally {
      FAIL_DELETE.id = undefined;
    }
    expect(await statuses(user.id, credentials)).toEqual({
      bearer: 200,
      apiKey: 200,
      cookie: 200,
      basic: 200,
    });
    const [row] = await t.db.database.db.select().from(accounts).where(eq(accounts.id, user.id));
    expect(row).toMatchObject({ email: user.email, deletedAt: null, isActive: true });
    expect((await refresh(user.refreshToken)).statusCode).toBe(200);
  });
});
