import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { animals, zoos } from '../../src/db/schema/animals.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { basic, cookieLogin, PASSWORD, signUp, type TestUser } from '../helpers/auth.ts';
import { codes, gql } from './helpers.ts';

let t: TestApp;
let owner: TestUser;
let other: TestUser;
let admin: TestUser;
let sequence = 0;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  [owner, other, admin] = [await signUp(t), await signUp(t), await signUp(t, { admin: true })];
});
afterAll(() => t?.close());

type Actor = 'owner' | 'other' | 'admin' | 'anonymous';
const headersOf = (actor: Actor) => (actor === 'anonymous' ? {} : { owner, other, admin }[actor].headers);

/** A fresh animal in a fresh zoo, both the owner's, and a second zoo of the owner's to move into. */
async function fixture() {
  const n = ++sequence;
  const made = await gql(
    t,
    `mutation($a: String!, $b: String!) {
      z1: createZoo(input: { name: $a }) { id }
      z2: createZoo(input: { name: $b }) { id }
    }`,
    { a: `Zoo A${n}`, b: `Zoo B${n}` },
    owner.headers,
  );
  const { z1, z2 } = made.data as { z1: { id: string }; z2: { id: string } };
  const animal = await gql(
    t,
    `mutation($zoo: ID) { createAnimal(input: { name: "Rex", species: "dog", zooId: $zoo }) { id } }`,
    { zoo: z1.id },
    owner.headers,
  );
  return { zooId: z1.id, otherZooId: z2.id, animalId: (animal.data as any).createAnimal.id as string };
}

const MUTATIONS: Record<
  string,
  (f: Awaited<ReturnType<typeof fixture>>) => [string, Record<string, unknown>]
> = {
  updateAnimal: (f) => [
    `mutation($id: ID!) { r: updateAnimal(id: $id, input: { name: "New" }) { id } }`,
    { id: f.animalId },
  ],
  deleteAnimal: (f) => [`mutation($id: ID!) { r: deleteAnimal(id: $id) }`, { id: f.animalId }],
  moveAnimal: (f) => [
    `mutation($id: ID!) { r: moveAnimal(animalId: $id, zooId: null) { id } }`,
    { id: f.animalId },
  ],
  transferAnimal: (f) => [
    `mutation($id: ID!, $u: ID!) { r: transferAnimal(animalId: $id, userId: $u) { id } }`,
    { id: f.animalId, u: other.id },
  ],
  updateZoo: (f) => [
    `mutation($id: ID!, $n: String!) { r: updateZoo(id: $id, input: { name: $n }) { id } }`,
    { id: f.zooId, n: `Renamed ${++sequence}` },
  ],
  deleteZoo: (f) => [`mutation($id: ID!) { r: deleteZoo(id: $id) }`, { id: f.zooId }],
  transferZoo: (f) => [
    `mutation($id: ID!, $u: ID!) { r: transferZoo(zooId: $id, userId: $u) { id } }`,
    { id: f.zooId, u: other.id },
  ],
};

const EXPECTED: Record<Actor, string | undefined> = {
  owner: undefined,
  admin: undefined,
  other: 'FORBIDDEN',
  anonymous: 'UNAUTHENTICATED',
};
const table = Object.keys(MUTATIONS).flatMap((mutation) =>
  (['owner', 'admin', 'other', 'anonymous'] as Actor[]).map((actor) => ({ mutation, actor })),
);

describe('ownership rules', () => {
  it.each(table)('$mutation by $actor', async ({ mutation, actor }) => {
    const f = await fixture();
    const [query, variables] = MUTATIONS[mutation]!(f);
    const result = await gql(t, query, variables, headersOf(actor));
    const expected = EXPECTED[actor];
    if (expected === undefined) {
      expect(result.errors).toBeUndefined();
      expect((result.data as any).r).toBeTruthy();
    } else {
      expect(codes(result)).toEqual([expected]);
      expect(result.data).toBeNull();
      // Nothing changed.
      const [animal] = await t.db.database.db.select().from(animals).where(eq(animals.id, f.animalId));
      const [zoo] = await t.db.database.db.select().from(zoos).where(eq(zoos.id, f.zooId));
      expect(animal).toMatchObject({ name: 'Rex', ownerId: owner.id, zooId: f.zooId });
      expect(zoo).toMatchObject({ ownerId: owner.id });
    }
  });

  it('createAnimal and createZoo need a principal', async () => {
    const a = await gql(t, `mutation { createAnimal(input: { name: "x" }) { id } }`);
    const z = await gql(t, `mutation { createZoo(input: { name: "anon zoo" }) { id } }`);
    expect([...codes(a), ...codes(z)]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
  });

  it("moving an animal into a zoo needs the zoo's owner, even for the animal's owner", async () => {
    const f = await fixture();
    const theirs = await gql(
      t,
      `mutation { createZoo(input: { name: "Other's zoo" }) { id } }`,
      {},
      other.headers,
    );
    const zooId = (theirs.data as any).createZoo.id;
    const move = `mutation($a: ID!, $z: ID) { moveAnimal(animalId: $a, zooId: $z) { zoo { id } } }`;
    expect(codes(await gql(t, move, { a: f.animalId, z: zooId }, owner.headers))).toEqual(['FORBIDDEN']);
    const create = await gql(
      t,
      `mutation($z: ID) { createAnimal(input: { name: "Sneaky", zooId: $z }) { id } }`,
      { z: zooId },
      owner.headers,
    );
    expect(codes(create)).toEqual(['FORBIDDEN']);
    // Control: into the owner's own other zoo.
    const ok = await gql(t, move, { a: f.animalId, z: f.otherZooId }, owner.headers);
    expect((ok.data as any).moveAnimal.zoo.id).toBe(f.otherZooId);
  });

  it('zoo names are unique whatever their case', async () => {
    const first = await gql(
      t,
      `mutation { createZoo(input: { name: "Unique Zoo" }) { id } }`,
      {},
      owner.headers,
    );
    expect(first.errors).toBeUndefined();
    const again = await gql(
      t,
      `mutation { createZoo(input: { name: "uNIQUE zOO" }) { id } }`,
      {},
      other.headers,
    );
    expect(codes(again)).toEqual(['CONFLICT']);
    expect(again.errors?.[0]?.extensions?.field).toBe('input.name');
  });

  it('deleting a zoo leaves its animals without a zoo', async () => {
    const f = await fixture();
    await gql(t, `mutation($id: ID!) { deleteZoo(id: $id) }`, { id: f.zooId }, owner.headers);
    const animal = await gql(t, `query($id: ID!) { animal(id: $id) { name zoo { id } } }`, {
      id: f.animalId,
    });
    expect(animal.data).toEqual({ animal: { name: 'Rex', zoo: null } });
  });

  it('transfers to an unknown user are NOT_FOUND; bad ids are BAD_USER_INPUT naming the argument', async () => {
    const f = await fixture();
    const unknown = await gql(
      t,
      `mutation($a: ID!) { transferAnimal(animalId: $a, userId: "00000000-0000-7000-8000-000000000000") { id } }`,
      { a: f.animalId },
      owner.headers,
    );
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    const bad = await gql(t, `mutation { deleteAnimal(id: "not-a-uuid") }`, {}, owner.headers);
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0]?.extensions?.field).toBe('id');
  });
});

describe('the same principal as REST', () => {
  it('Basic, API key and cookie (with CSRF) all work for mutations', async () => {
    const viaBasic = await gql(
      t,
      `mutation { createZoo(input: { name: "Basic zoo" }) { owner { id } } }`,
      {},
      basic(owner.email, PASSWORD),
    );
    expect((viaBasic.data as any).createZoo.owner.id).toBe(owner.id);

    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: owner.headers,
      payload: { name: 'gql' },
    });
    const viaKey = await gql(
      t,
      `mutation { createZoo(input: { name: "Key zoo" }) { owner { id } } }`,
      {},
      { 'x-auth': key.json().key },
    );
    expect((viaKey.data as any).createZoo.owner.id).toBe(owner.id);

    const session = await cookieLogin(t, owner.email);
    const noCsrf = await gql(
      t,
      `mutation { createZoo(input: { name: "Cookie zoo" }) { id } }`,
      {},
      { cookie: session.cookie, origin: session.origin },
    );
    expect(codes(noCsrf)).toEqual(['FORBIDDEN']);
    const withCsrf = await gql(
      t,
      `mutation { createZoo(input: { name: "Cookie zoo" }) { owner { id } } }`,
      {},
      {
        cookie: session.cookie,
        origin: session.origin,
        'x-csrf-token': session.csrf,
      },
    );
    expect((withCsrf.data as any).createZoo.owner.id).toBe(owner.id);
  });

  it('a token without animals:write may read but not write', async () => {
    const narrow = await signUp(t, { scope: 'accounts:read' });
    const me = await gql(t, `{ me { id } }`, {}, narrow.headers);
    expect((me.data as any).me.id).toBe(narrow.id);
    expect(
      codes(await gql(t, `mutation { createZoo(input: { name: "Narrow" }) { id } }`, {}, narrow.headers)),
    ).toEqual(['FORBIDDEN']);
  });

  it('a revoked or forged bearer token is UNAUTHENTICATED, not anonymous', async () => {
    const result = await gql(
      t,
      `mutation { createZoo(input: { name: "Forged" }) { id } }`,
      {},
      { authorization: 'Bearer nope' },
    );
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('register, login and refreshToken go through the REST auth services', async () => {
    const email = `gql-${Date.now()}@example.com`;
    const registered = await gql(
      t,
      `mutation($e: String!, $p: String!) { register(input: { email: $e, password: $p, name: "G" }) { accessToken refreshToken expiresIn user { id name email } } }`,
      { e: email, p: PASSWORD },
    );
    expect(registered.errors).toBeUndefined();
    const payload = (registered.data as any).register;
    expect(payload.user).toMatchObject({ name: 'G', email });
    // The same account REST sees: the password grant works with it.
    const rest = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      payload: { grant_type: 'password', username: email, password: PASSWORD },
    });
    expect(rest.statusCode).toBe(200);
    const dup = await gql(
      t,
      `mutation($e: String!, $p: String!) { register(input: { email: $e, password: $p }) { accessToken } }`,
      { e: email.toUpperCase(), p: PASSWORD },
    );
    expect(codes(dup)).toEqual(['CONFLICT']);
    const weak = await gql(
      t,
      `mutation { register(input: { email: "weak@example.com", password: "short" }) { accessToken } }`,
    );
    expect(codes(weak)).toEqual(['BAD_USER_INPUT']);
    expect(weak.errors?.[0]?.extensions?.field).toBe('input.password');

    const login = await gql(
      t,
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }`,
      { e: email, p: PASSWORD },
    );
    expect((login.data as any).login.user.id).toBe(payload.user.id);
    const wrong = await gql(
      t,
      `mutation($e: String!) { login(email: $e, password: "wrong password!") { accessToken } }`,
      { e: email },
    );
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);

    const refreshed = await gql(
      t,
      `mutation($r: String!) { refreshToken(refreshToken: $r) { refreshToken user { id } } }`,
      { r: payload.refreshToken },
    );
    expect((refreshed.data as any).refreshToken.user.id).toBe(payload.user.id);
    // Reuse of a rotated refresh token is refused (and revokes the family), as on REST.
    const reused = await gql(t, `mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken } }`, {
      r: payload.refreshToken,
    });
    expect(codes(reused)).toEqual(['UNAUTHENTICATED']);
  });

  it('User shows its email only to itself or an admin, and never a hash', async () => {
    const q = `query($id: ID!) { node(id: $id) { ... on User { id email } } }`;
    expect(((await gql(t, q, { id: owner.id }, owner.headers)).data as any).node.email).toBe(owner.email);
    expect(((await gql(t, q, { id: owner.id }, admin.headers)).data as any).node.email).toBe(owner.email);
    expect(((await gql(t, q, { id: owner.id }, other.headers)).data as any).node.email).toBeNull();
    expect(((await gql(t, q, { id: owner.id })).data as any).node.email).toBeNull();
    const hash = await gql(t, `query($id: ID!) { node(id: $id) { ... on User { passwordHash } } }`, {
      id: owner.id,
    });
    expect(hash.errors?.[0]?.message).toMatch(/passwordHash/);
  });
});

describe('account deletion', () => {
  it("deletes the account's animals and zoos", async () => {
    const leaving = await signUp(t);
    await gql(t, `mutation { createZoo(input: { name: "Leaving zoo" }) { id } }`, {}, leaving.headers);
    await gql(t, `mutation { createAnimal(input: { name: "Leaving animal" }) { id } }`, {}, leaving.headers);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${leaving.id}`,
      headers: leaving.headers,
    });
    expect(res.statusCode).toBe(204);
    const db = t.db.database.db;
    expect(await db.select().from(animals).where(eq(animals.ownerId, leaving.id))).toEqual([]);
    expect(await db.select().from(zoos).where(eq(zoos.ownerId, leaving.id))).toEqual([]);
    const gone = await gql(t, `query($id: ID!) { node(id: $id) { id } }`, { id: leaving.id });
    expect((gone.data as any).node).toBeNull();
  });
});
