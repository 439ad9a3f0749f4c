import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { animals, zoos } from '../../src/db/schema/animals.ts';
import { images } from '../../src/db/schema/images.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { gql } from './helpers.ts';

let t: TestApp;
let users: TestUser[];
/** Statements sent to the database since the last reset: every query of either driver goes through here. */
let statements: string[] = [];

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  users = [await signUp(t), await signUp(t), await signUp(t)];
  const db = t.db.database.db;
  const zooRows = users.map((u, i) => ({ id: newId(), name: `Zoo ${i}`, ownerId: u.id }));
  await db.insert(zoos).values(zooRows);
  const animalRows = Array.from({ length: 120 }, (_, i) => ({
    id: newId(),
    name: `Animal ${String(i).padStart(3, '0')}`,
    species: i % 2 ? 'cat' : 'dog',
    ownerId: users[i % 3]!.id,
    zooId: i % 4 === 0 ? null : zooRows[i % 3]!.id,
  }));
  await db.insert(animals).values(animalRows);
  await db.insert(images).values(
    animalRows.slice(0, 80).map((a, i) => ({
      id: newId(),
      ownerId: a.ownerId,
      animalId: a.id,
      purpose: 'animal' as const,
      contentHash: `${i}`.padStart(64, '0'),
      contentType: 'image/png',
      width: 10,
      height: 10,
      byteSize: 100,
    })),
  );
  // Wrap the driver's query method (PGlite's client or pg's pool): the real queries still run.
  const client = (db as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } }).$client;
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const first = args[0];
    statements.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
    return query(...args);
  };
});
afterAll(() => t?.close());

const PAGE = `query($first: Int) { animals(first: $first) { edges { node { owner { name } zoo { name } images { url } } } } }`;

describe('batching', () => {
  it.each([1, 5, 50, 100])(
    'animals(first: %i) with owner, zoo and images costs at most 4 statements',
    async (first) => {
      statements = [];
      const result = await gql(t, PAGE, { first });
      expect(result.errors).toBeUndefined();
      const edges = (result.data as { animals: { edges: { node: { images: unknown[] } }[] } }).animals.edges;
      expect(edges).toHaveLength(first);
      expect(edges.some((e) => e.node.images.length > 0)).toBe(true);
      expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(4);
      expect(statements.length).toBeGreaterThan(0);
    },
  );

  it('nested connections are batched across parents too (one statement per relation)', async () => {
    statements = [];
    const result = await gql(
      t,
      `{ zoos(first: 10) { edges { node { name owner { name } animals(first: 5) { totalCount edges { node { name zoo { name } } } } } } } }`,
    );
    expect(result.errors).toBeUndefined();
    // zoos, owners, animals of all zoos, their counts (zoo of each animal is cached from the page)
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(5);
  });

  it('loaders never carry data from one request to the next, nor between two callers', async () => {
    const [a, b] = users as [TestUser, TestUser];
    const me = `{ me { id email animals(first: 1) { edges { node { id name owner { email } } } } } }`;
    const [forA, forB] = await Promise.all([gql(t, me, {}, a.headers), gql(t, me, {}, b.headers)]);
    expect((forA.data as any).me.email).toBe(a.email);
    expect((forB.data as any).me.email).toBe(b.email);
    expect((forA.data as any).me.animals.edges[0].node.owner.email).toBe(a.email);
    // b's request loaded a's animals' owner as a stranger: no email, even with a's loaders just filled.
    const animal = (forA.data as any).me.animals.edges[0].node;
    const seenByB = await gql(
      t,
      `query($id: ID!) { animal(id: $id) { owner { email } } }`,
      { id: animal.id },
      b.headers,
    );
    expect((seenByB.data as any).animal.owner.email).toBeNull();
    // A change is visible to the very next request (no cache shared across requests).
    const renamed = await gql(
      t,
      `mutation($id: ID!) { updateAnimal(id: $id, input: { name: "Renamed" }) { name } }`,
      { id: animal.id },
      a.headers,
    );
    expect(renamed.errors).toBeUndefined();
    const after = await gql(t, `query($id: ID!) { animal(id: $id) { name } }`, { id: animal.id }, b.headers);
    expect((after.data as any).animal.name).toBe('Renamed');
  });
});
