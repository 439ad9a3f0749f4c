// GET /v1/accounts/{id}/links and DELETE /v1/accounts/{id}/links/{link_id}: the permission matrix.
import { Validator } from '@seriousme/openapi-schema-validator';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { linkedIdentities } from '../../src/db/schema/identities.ts';
import { deleteAccount } from '../../src/modules/accounts/accounts.service.ts';
import { insertLink, type LinkRow } from '../../src/modules/identities/identities.repository.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { cookieLogin, principalFor, signUp, uniqueEmail, type TestUser } from '../helpers/auth.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  [admin, alice, bob] = [await signUp(t, { admin: true }), await signUp(t), await signUp(t)];
});
afterAll(() => t?.close());

let sequence = 0;
const link = (accountId: string, provider = 'alpha'): Promise<LinkRow> =>
  insertLink(t.db.database.db, { id: newId(), accountId, provider, subject: `s-${++sequence}`, email: null });

/** An account that signs in only through a provider (no password), as OIDC_CREATE_ACCOUNTS creates them. */
async function passwordless(): Promise<string> {
  const id = newId();
  await t.db.database.db.insert(accounts).values({ id, email: uniqueEmail('nopw'), emailVerified: true });
  return id;
}

const get = (id: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: `/v1/accounts/${id}/links`, headers });
const del = (id: string, linkId: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'DELETE', url: `/v1/accounts/${id}/links/${linkId}`, headers });

describe('GET /v1/accounts/{id}/links', () => {
  it.each([
    ['the account itself', () => alice, 200],
    ['an admin', () => admin, 200],
    ['another account', () => bob, 404],
  ])('%s → %i', async (_, who, status) => {
    const mine = await link(alice.id);
    const res = await get(alice.id, who().headers);
    expect(res.statusCode).toBe(status);
    if (status === 200) {
      expect(res.json().next_cursor).toBeNull();
      expect(res.json().items).toContainEqual({
        id: mine.id,
        provider: 'alpha',
        subject: mine.subject,
        email: null,
        email_verified: false,
        created_at: mine.createdAt.toISOString(),
      });
    } else {
      expect(res.body).not.toContain(mine.subject);
    }
  });

  it('401 without a credential, 403 without accounts:read, 422 for a malformed id, 404 for no account', async () => {
    expect((await get(alice.id)).statusCode).toBe(401);
    const narrow = await signUp(t, { scope: 'certificates:read' });
    expect((await get(narrow.id, narrow.headers)).statusCode).toBe(403);
    expect((await get('not-a-uuid', alice.headers)).statusCode).toBe(422);
    expect((await get(newId(), admin.headers)).statusCode).toBe(404);
  });
});

describe('DELETE /v1/accounts/{id}/links/{link_id}', () => {
  it('lets the account remove its own link: 204', async () => {
    const mine = await link(alice.id);
    expect((await del(alice.id, mine.id, alice.headers)).statusCode).toBe(204);
    expect((await get(alice.id, alice.headers)).json().items.map((l: LinkRow) => l.id)).not.toContain(
      mine.id,
    );
    expect((await del(alice.id, mine.id, alice.headers)).statusCode).toBe(404);
  });

  it("answers 404 for someone else's link, whichever account the path names", async () => {
    const bobs = await link(bob.id);
    expect((await del(bob.id, bobs.id, alice.headers)).statusCode).toBe(404);
    expect((await del(alice.id, bobs.id, alice.headers)).statusCode).toBe(404);
    expect((await del(alice.id, newId(), alice.headers)).statusCode).toBe(404);
    expect((await get(bob.id, bob.headers)).json().items.map((l: LinkRow) => l.id)).toContain(bobs.id);
  });

  it("lets an admin remove anyone's link: 204", async () => {
    const bobs = await link(bob.id);
    expect((await del(bob.id, bobs.id, admin.headers)).statusCode).toBe(204);
  });

  it('keeps the last way in to an account without a password: 409', async () => {
    const id = await passwordless();
    const [first, second] = [await link(id, 'alpha'), await link(id, 'beta')];
    expect((await del(id, first.id, admin.headers)).statusCode).toBe(204);
    const res = await del(id, second.id, admin.headers);
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/only way to sign in/);
  });

  it('needs the CSRF token with a session cookie, and a credential at all', async () => {
    const mine = await link(alice.id);
    const { cookie, csrf, origin } = await cookieLogin(t, alice.email);
    expect((await del(alice.id, mine.id, { cookie, origin })).statusCode).toBe(403);
    expect((await del(alice.id, mine.id)).statusCode).toBe(401);
    expect((await del(alice.id, mine.id, { cookie, 'x-csrf-token': csrf, origin })).statusCode).toBe(204);
  });

  it.each([
    ['a malformed account id', '/path/id', () => del('not-a-uuid', newId(), admin.headers)],
    ['a malformed link id', '/path/link_id', () => del(alice.id, 'nope', admin.headers)],
  ])('%s → 422 problem+json naming %s, and the link stays', async (_name, path, send) => {
    const mine = await link(alice.id);
    const res = await send();
    expect(res.statusCode).toBe(422);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(res.json().errors).toEqual([expect.objectContaining({ path })]);
    const rows = await t.db.database.db
      .select()
      .from(linkedIdentities)
      .where(eq(linkedIdentities.id, mine.id));
    expect(rows).toHaveLength(1);
  });
});

describe('around the module', () => {
  it("erases an account's links when the account is deleted", async () => {
    const carol = await signUp(t);
    await link(carol.id);
    const accounts = {
      db: t.db.database.db,
      events: t.app.ctx.events,
      hasher: t.app.auth.hasher,
      forgetAccount: t.app.auth.forgetAccount,
      reauthenticate: t.app.auth.reauthenticate,
    };
    await deleteAccount(accounts, await principalFor(t, carol.id), carol.id);
    const rows = await t.db.database.db
      .select()
      .from(linkedIdentities)
      .where(eq(linkedIdentities.accountId, carol.id));
    expect(rows).toEqual([]);
  });

  it('keeps /openapi.json a valid OpenAPI 3.1 document', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/oauth/{provider}/authorize',
        '/v1/auth/oauth/{provider}/callback',
        '/v1/accounts/{id}/links',
        '/v1/accounts/{id}/links/{link_id}',
      ]),
    );
  });
});
