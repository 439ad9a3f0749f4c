import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp } from '../helpers/auth.ts';
import { gql } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
});
afterAll(() => t?.close());

it('smoke', async () => {
  const user = await signUp(t);
  const zoo = await gql(
    t,
    'mutation { createZoo(input: {name: "Z1"}) { id name owner { id name email } } }',
    {},
    user.headers,
  );
  console.log(JSON.stringify(zoo));
  const a = await gql(
    t,
    'mutation($z: ID) { createAnimal(input: {name: "Rex", species: "dog", zooId: $z}) { id name zoo { name } owner { id } images { url } } }',
    { z: (zoo.data as any)?.createZoo?.id },
    user.headers,
  );
  console.log(JSON.stringify(a));
  const list = await gql(
    t,
    '{ animals(first: 5) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name owner { name email } zoo { name animals { totalCount edges { node { name } } } } images { url } } } } }',
  );
  console.log(JSON.stringify(list));
  const node = await gql(t, 'query($id: ID!) { node(id: $id) { __typename id ... on Animal { name } } }', {
    id: (a.data as any)?.createAnimal?.id,
  });
  console.log(JSON.stringify(node));
  const bad = await gql(t, 'mutation { createAnimal(input: {name: ""}) { id } }', {}, user.headers);
  console.log(JSON.stringify(bad));
  const anon = await gql(t, 'mutation { createAnimal(input: {name: "x"}) { id } }');
  console.log(JSON.stringify(anon));
  expect(list.status).toBe(200);
});
