// /v1/api-keys: the secret is shown once and stored hashed; revoked and expired keys are 401 at once; a
// key's scopes never exceed its owner's; admins list and revoke any key.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/crypto/tokens.ts';
import { newId } from '../../src/core/ids.ts';
import { apiKeys } from '../../src/db/schema/api-keys.ts';
import type { TestApp } from '../helpers/app.ts';
import { bearer, passwordGrant, setRoles, signUp, type TestUser } from '../helpers/auth.ts';
import { buildAuthApp, expectProblem, expectUnauthenticated, getMe, within } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;

beforeAll(async () => {
  t = await buildAuthApp();
  [alice, bob, admin] = await Promise.all([signUp(t), signUp(t), signUp(t, { admin: true })]);
});
afterAll(() => t?.close());

const create = (headers: Record<string, string>, payload: object = { name: 'ci' }) =>
  t.app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload });
const list = (headers: Record<string, string>, query = '') =>
  t.app.inject({ method: 'GET', url: `/v1/api-keys${query}`, headers });
const revoke = (id: string, headers: Record<string, string>) =>
  t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers });
async function keyOf(user: TestUser, payload: object = { name: 'k' }): Promise<{ id: string; key: string }> {
  const res = await create(user.headers, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
const adminList = (headers: Record<string, string>) =>
  t.app.inject({ method: 'GET', url: '/v1/accounts', headers });

describe('POST /v1/api-keys', () => {
  it('→ 201 with bwk_<12 hex>_<43 chars> once; only a hash is stored; the key authenticates as its owner', async () => {
    const res = await create(alice.headers, { name: 'deploy', scopes: ['accounts:read'] });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.any(String),
      name: 'deploy',
      key: expect.stringMatching(/^bwk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/),
      prefix: expect.stringMatching(/^[0-9a-f]{12}$/),
      scopes: ['accounts:read'],
      expires_at: expect.any(String),
      last_used_at: null,
      created_at: expect.any(String),
      owner_id: alice.id,
      model_names: null,
      requests_per_minute: null,
    });
    expect(body.key.startsWith(`bwk_${body.prefix}_`)).toBe(true);
    const [row] = await t.db.database.db.select().from(apiKeys).where(eq(apiKeys.id, body.id));
    const secret = body.key.split('_').slice(2).join('_');
    expect(row!.secretHash).toBe(sha256(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect((await getMe(t.app, { 'x-auth': body.key })).json()).toMatchObject({
      id: alice.id,
      auth_method: 'api_key',
      scopes: ['accounts:read'],
    });
  });

  type Refusal = [string, number, () => Promise<Record<string, string>> | Record<string, string>, object];
  it.each<Refusal>([
    ['a user asking for admin', 403, () => alice.headers, { name: 'k', scopes: ['admin'] }],
    [
      'a token narrowed to accounts:read asking for accounts:write',
      403,
      async () => bearer((await passwordGrant(t, alice.email, alice.password, 'accounts:read')).accessToken),
      { name: 'k', scopes: ['accounts:write'] },
    ],
    ['an unknown scope', 422, () => alice.headers, { name: 'k', scopes: ['root'] }],
    ['an expiry in the past', 422, () => alice.headers, { name: 'k', expires_at: '2000-01-01T00:00:00Z' }],
    ['an expiry that is no date', 422, () => alice.headers, { name: 'k', expires_at: 'tomorrow' }],
    ['no name', 422, () => alice.headers, { scopes: [] }],
    [
      'an unknown field (owner_id)',
      422,
      () => alice.headers,
      { name: 'k', owner_id: '01890a5d-ac96-774b-bcce-b302099a8057' },
    ],
    ['no credential', 401, () => ({}), { name: 'k' }],
  ])('%s → %i', async (_name, status, headers, payload) => {
    expectProblem(await create(await headers(), payload), status);
  });

  it('a key created by a narrowed token defaults to that token’s scopes', async () => {
    const narrow = bearer((await passwordGrant(t, alice.email, alice.password, 'accounts:read')).accessToken);
    expect((await create(narrow)).json().scopes).toEqual(['accounts:read']);
  });
});

describe('using a key', () => {
  it('a narrowed admin key gets 403 on a route needing admin; a full one gets 200', async () => {
    const narrow = await keyOf(admin, { name: 'ro', scopes: ['accounts:read'] });
    const full = await keyOf(admin);
    expectProblem(await adminList({ 'x-auth': narrow.key }), 403);
    expect((await adminList({ 'x-auth': full.key })).statusCode).toBe(200);
  });

  it("never exceeds its owner's scopes: an admin key loses `admin` when its owner is demoted", async () => {
    const owner = await signUp(t, { admin: true });
    const { key } = await keyOf(owner, { name: 'admin key', scopes: ['admin', 'accounts:read'] });
    expect((await adminList({ 'x-auth': key })).statusCode).toBe(200);
    await setRoles(t, owner.id, ['user']);
    t.app.auth.rt.authenticator.forgetAccount(owner.id);
    expectProblem(await adminList({ 'x-auth': key }), 403);
    expect((await getMe(t.app, { 'x-auth': key })).json().scopes).toEqual(['accounts:read']);
  });

  it('sets last_used_at', async () => {
    const { id, key } = await keyOf(alice);
    expect((await getMe(t.app, { 'x-auth': key })).statusCode).toBe(200);
    const took = await within(5000, async () => {
      const [row] = await t.db.database.db.select().from(apiKeys).where(eq(apiKeys.id, id));
      return row?.lastUsedAt instanceof Date;
    });
    expect(took).toBeDefined();
    const listed = (await list(alice.headers)).json().items.find((k: { id: string }) => k.id === id);
    expect(listed.last_used_at).toEqual(expect.any(String));
  });

  it('a revoked key → 401 at once (even right after being cached)', async () => {
    const { id, key } = await keyOf(alice);
    expect((await getMe(t.app, { 'x-auth': key })).statusCode).toBe(200);
    expect((await revoke(id, alice.headers)).statusCode).toBe(204);
    expectUnauthenticated(await getMe(t.app, { 'x-auth': key }));
    expect((await revoke(id, alice.headers)).statusCode).toBe(404);
  });

  it('a key → 401 once its expires_at passes, though it was cached while valid', async () => {
    const { key } = await keyOf(alice, {
      name: 'short',
      expires_at: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await getMe(t.app, { 'x-auth': key })).statusCode).toBe(200);
    expect(
      await within(6000, async () => (await getMe(t.app, { 'x-auth': key })).statusCode === 401),
    ).toBeDefined();
    expectUnauthenticated(await getMe(t.app, { 'x-auth': key }));
  });

  it('a key stored as already expired → 401', async () => {
    const prefix = newId().replace(/-/g, '').slice(-12);
    const secret = 'S'.repeat(43);
    await t.db.database.db.insert(apiKeys).values({
      id: newId(),
      accountId: alice.id,
      name: 'old',
      prefix,
      secretHash: sha256(secret),
      scopes: ['accounts:read'],
      expiresAt: new Date(Date.now() - 60_000),
    });
    expectUnauthenticated(await getMe(t.app, { 'x-auth': `bwk_${prefix}_${secret}` }));
    // The same key with the right prefix but another secret is no better.
    expectUnauthenticated(await getMe(t.app, { 'x-auth': `bwk_${prefix}_${'T'.repeat(43)}` }));
  });
});

describe('GET /v1/api-keys', () => {
  it('lists only my live keys, never a secret', async () => {
    const mine = await keyOf(bob, { name: 'mine' });
    const gone = await keyOf(bob, { name: 'gone' });
    await revoke(gone.id, bob.headers);
    const theirs = await keyOf(alice, { name: 'theirs' });
    const res = await list(bob.headers);
    expect(res.statusCode).toBe(200);
    const ids = res.json().items.map((k: { id: string }) => k.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(gone.id);
    expect(ids).not.toContain(theirs.id);
    for (const item of res.json().items) expect(item).not.toHaveProperty('key');
    expect(res.body).not.toContain(mine.key.split('_').slice(2).join('_'));
  });

  it('?all=true: admins see everyone’s keys; a user → 403; an admin token without `admin` → 403', async () => {
    const theirs = await keyOf(alice, { name: 'seen by admin' });
    const all = await list(admin.headers, '?all=true&limit=100');
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((k: { id: string }) => k.id)).toContain(theirs.id);
    expectProblem(await list(alice.headers, '?all=true'), 403);
    const narrow = bearer((await passwordGrant(t, admin.email, admin.password, 'accounts:read')).accessToken);
    expectProblem(await list(narrow, '?all=true'), 403);
  });

  it('pages with ?limit= and the opaque cursor, newest first', async () => {
    const user = await signUp(t);
    const made = [];
    for (const name of ['one', 'two', 'three']) made.push((await keyOf(user, { name })).id);
    const first = await list(user.headers, '?limit=2');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().items.map((k: { name: string }) => k.name)).toEqual(['three', 'two']);
    const cursor = first.json().next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    const second = await list(user.headers, `?limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect(second.json()).toEqual({
      items: [expect.objectContaining({ id: made[0], name: 'one' })],
      next_cursor: null,
    });
    expect((await list(user.headers, '?all=false')).json().items).toHaveLength(3);
  });

  it.each([
    ['no credential', '', 401],
    ['limit 0', '?limit=0', 422],
    ['limit 101', '?limit=101', 422],
    ['all=maybe', '?all=maybe', 422],
    ['a forged cursor', '?cursor=Zm9yZ2Vk', 400],
  ])('%s → %i', async (_name, query, status) => {
    expectProblem(await list(status === 401 ? {} : alice.headers, query), status);
  });
});

describe('DELETE /v1/api-keys/{id}', () => {
  type Revocation = [string, number, number, () => Promise<Record<string, string>> | Record<string, string>];
  it.each<Revocation>([
    ["a user revoking someone else's key", 404, 200, () => bob.headers],
    [
      "an admin token without `admin` revoking someone else's key",
      404,
      200,
      async () => bearer((await passwordGrant(t, admin.email, admin.password, 'accounts:read')).accessToken),
    ],
    ["an admin revoking someone else's key", 204, 401, () => admin.headers],
  ])('%s → %i; the key then answers %i', async (_name, status, after, headers) => {
    const { id, key } = await keyOf(alice);
    expect((await revoke(id, await headers())).statusCode).toBe(status);
    expect((await getMe(t.app, { 'x-auth': key })).statusCode).toBe(after);
  });

  it.each([
    ['an unknown id', '01890a5d-ac96-774b-bcce-b302099a8057', 404],
    ['an id that is not a UUID', 'nope', 422],
  ])('%s → %i', async (_name, id, status) => {
    expectProblem(await revoke(id, admin.headers), status);
  });

  it('without a credential → 401', async () => {
    const { id } = await keyOf(alice);
    expectUnauthenticated(await revoke(id, {}));
  });
});
