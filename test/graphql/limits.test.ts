import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { animals } from '../../src/db/schema/animals.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { codes, countStatements, gql } from './helpers.ts';

let t: TestApp;
let user: TestUser;
let statements: ReturnType<typeof countStatements>;

beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, GRAPHQL_INTROSPECTION: 'off' });
  user = await signUp(t);
  statements = countStatements(t);
});
afterAll(() => t?.close());

const nest = (depth: number): string =>
  depth === 0 ? 'id' : `owner { animals(first: 1) { edges { node { ${nest(depth - 1)} } } } }`;

const ATTACKS: { name: string; query: string; message: RegExp }[] = [
  { name: 'depth', query: `{ animals(first: 1) { edges { node { ${nest(4)} } } } }`, message: /depth/i },
  {
    name: 'cost',
    query: `{ zoos(first: 100) { edges { node { animals(first: 100) { edges { node { name images { url } } } } } } } }`,
    message: /cost/i,
  },
  {
    name: 'aliases',
    query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: animals(first: 1) { totalCount }`).join(' ')} }`,
    message: /alias/i,
  },
  {
    name: 'directives',
    query: `{ me ${'@include(if: true) '.repeat(30)} { id } }`,
    message: /directive/i,
  },
  {
    name: 'tokens',
    query: `{ me { ${'id '.repeat(2500)} } }`,
    message: /token/i,
  },
  { name: 'introspection (off here)', query: `{ __schema { types { name } } }`, message: /introspection/i },
  {
    name: 'alias mutations',
    query: `mutation { ${Array.from({ length: 20 }, (_, i) => `z${i}: createZoo(input: { name: "Z${i}" }) { id }`).join(' ')} }`,
    message: /alias/i,
  },
];

describe('limits, checked before execution', () => {
  it.each(ATTACKS)('refuses $name without running a resolver', async ({ query, message }) => {
    statements.reset();
    const result = await gql(t, query, {}, user.headers);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toMatch(message);
    // No resolver ran: nothing was read or written (authentication is lazy, in resolvers, so even the
    // credential was not looked up).
    expect(statements.seen).toEqual([]);
  });

  it.each(ATTACKS)(
    'refuses $name again once its document is cached (parse, validation, compiled query)',
    async ({ query, message }) => {
      // The first request above put the document in every cache; the limits must still apply to it.
      for (let i = 0; i < 2; i++) {
        statements.reset();
        const result = await gql(t, query, {}, user.headers);
        expect(result.data ?? null).toBeNull();
        expect(result.errors?.[0]?.message).toMatch(message);
        expect(statements.seen).toEqual([]);
      }
    },
  );

  it("the cost of a cached document is judged with each request's variables", async () => {
    const query = `query($n: Int) { zoos(first: $n) { edges { node { animals(first: $n) { edges { node { name images { url } } } } } } } }`;
    // Cheap with 2 (cached cost), then over the limit with 100 on the same document, then cheap again.
    for (const [n, refused] of [
      [2, false],
      [100, true],
      [2, false],
      [100, true],
    ] as const) {
      statements.reset();
      const result = await gql(t, query, { n }, user.headers);
      if (refused) {
        expect(result.errors?.[0]?.message).toMatch(/cost/i);
        expect(statements.seen).toEqual([]);
      } else {
        expect(result.errors).toBeUndefined();
        expect(statements.seen.length).toBeGreaterThan(0);
      }
    }
  });

  it('control: a reasonable query runs', async () => {
    statements.reset();
    const result = await gql(t, `{ animals(first: 50) { edges { node { ${nest(1)} } } } }`, {}, user.headers);
    expect(result.errors).toBeUndefined();
    expect(statements.seen.length).toBeGreaterThan(0);
  });

  it('a batch over GRAPHQL_MAX_BATCH is refused whole', async () => {
    const batch = (n: number) =>
      t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(Array.from({ length: n }, () => ({ query: '{ me { id } }' }))),
      });
    statements.reset();
    const over = await batch(11);
    expect(over.statusCode).toBeGreaterThanOrEqual(400);
    expect(over.body).toMatch(/batch/i);
    expect(statements.seen).toEqual([]);
    const ok = await batch(3);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toHaveLength(3);
  });

  it('field suggestions are not sent (they would leak the schema with introspection off)', async () => {
    const result = await gql(t, `{ animls { id } }`);
    expect(result.errors?.[0]?.message).not.toMatch(/did you mean/i);
  });
});

describe('errors', () => {
  it('masks an unexpected error, with the request id to quote', async () => {
    // An animal whose owner row has gone: the owner resolver fails in a way no client input causes.
    const ghost = newId();
    await t.db.database.db.insert(accounts).values({ id: ghost, email: null, deletedAt: new Date() });
    await t.db.database.db.insert(animals).values({ id: newId(), name: 'Orphan', ownerId: ghost });
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json' },
      payload: {
        query: `{ animals(first: 100, filter: { nameContains: "Orphan" }) { edges { node { owner { id } } } } }`,
      },
    });
    const body = res.json();
    const requestId = res.headers['x-request-id'];
    expect(body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId });
    expect(body.errors[0].message).toContain(String(requestId));
    expect(JSON.stringify(body)).not.toMatch(/missing|stack|select /i);
  });

  it.each([
    ['first out of range', `{ animals(first: 101) { totalCount } }`, 'first'],
    ['first zero', `{ animals(first: 0) { totalCount } }`, 'first'],
    ['forged cursor', `{ animals(after: "bm90IGEgY3Vyc29y") { totalCount } }`, 'after'],
    ['bad filter id', `{ animals(filter: { zooId: "x" }) { totalCount } }`, 'filter.zooId'],
    [
      'bad date',
      `mutation { createAnimal(input: { name: "x", birthDate: "2023-02-30" }) { id } }`,
      undefined,
    ],
  ])('%s is BAD_USER_INPUT', async (_name, query, field) => {
    const result = await gql(t, query, {}, user.headers);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    if (field) expect(result.errors?.[0]?.extensions?.field).toBe(field);
  });

  it('control characters in a name are refused with the field', async () => {
    const result = await gql(
      t,
      `mutation($n: String!) { createAnimal(input: { name: $n }) { id } }`,
      { n: 'a\u0000b' },
      user.headers,
    );
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.extensions?.field).toBe('input.name');
    const rows = await t.db.database.query(`select id from animals where name like 'a%b'`);
    expect(rows).toEqual([]);
  });
});
