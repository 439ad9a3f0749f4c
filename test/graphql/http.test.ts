import { Client, fetchExchange, gql as tag } from '@urql/core';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { png } from '../images/fixtures.ts';

let t: TestApp;
let url: string;
let user: TestUser;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `${address}/graphql`;
  user = await signUp(t);
});
afterAll(() => t?.close());

describe('GraphQL over HTTP', () => {
  it("passes graphql-http's audit with no MUST failure", async () => {
    // A client of this server sends the CSRF-prevention header on every request (GraphiQL and urql do).
    const results = await auditServer({
      url,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), 'x-graphql-csrf': '1' },
        }),
    });
    const failures = results.filter((r) => r.status === 'error' && r.name.startsWith('MUST'));
    expect(failures.map((f) => `${f.name}: ${'reason' in f ? f.reason : ''}`)).toEqual([]);
    expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(10);
  });

  it('GET serves queries but never mutations; without the CSRF header GET is refused', async () => {
    const query = encodeURIComponent('{ animals(first: 1) { totalCount } }');
    const ok = await fetch(`${url}?query=${query}`, {
      headers: { 'x-graphql-csrf': '1', accept: 'application/json' },
    });
    expect(ok.status).toBe(200);
    const noHeader = await fetch(`${url}?query=${query}`, { headers: { accept: 'application/json' } });
    expect(noHeader.status).toBe(403);
    const mutation = encodeURIComponent('mutation { createZoo(input: { name: "via GET" }) { id } }');
    const viaGet = await fetch(`${url}?query=${mutation}`, {
      headers: { 'x-graphql-csrf': '1', accept: 'application/json', ...user.headers },
    });
    expect(viaGet.status).toBe(405);
  });
});

describe('a real client library (urql)', () => {
  const client = (headers: Record<string, string>) =>
    new Client({
      url,
      exchanges: [fetchExchange],
      preferGetMethod: false,
      fetchOptions: () => ({ headers: { 'x-graphql-csrf': '1', ...headers } }),
    });

  it('runs queries and mutations, and uploads a file through the multipart spec', async () => {
    const c = client(user.headers);
    const created = await c
      .mutation(
        tag`mutation($n: String!) { createAnimal(input: { name: $n, species: "owl" }) { id owner { id } } }`,
        { n: 'Hedwig' },
      )
      .toPromise();
    expect(created.error).toBeUndefined();
    const animal = created.data.createAnimal;
    expect(animal.owner.id).toBe(user.id);

    const file = new File([new Uint8Array(await png(30, 20))], 'owl.png', { type: 'image/png' });
    const uploaded = await c
      .mutation(
        tag`mutation($id: ID!, $file: Upload!) { uploadAnimalImage(animalId: $id, file: $file) { id url width height } }`,
        {
          id: animal.id,
          file,
        },
      )
      .toPromise();
    expect(uploaded.error).toBeUndefined();
    expect(uploaded.data.uploadAnimalImage).toMatchObject({ width: 30, height: 20 });
    const image = await fetch(
      uploaded.data.uploadAnimalImage.url.replace(t.config.publicUrl, url.replace('/graphql', '')),
    );
    expect(image.headers.get('content-type')).toBe('image/png');

    const read = await client({})
      .query(tag`query($id: ID!) { animal(id: $id) { name images { id } owner { email } } }`, {
        id: animal.id,
      })
      .toPromise();
    expect(read.data.animal).toEqual({
      name: 'Hedwig',
      images: [{ id: uploaded.data.uploadAnimalImage.id }],
      owner: { email: null },
    });
  });

  it('surfaces error codes to the client', async () => {
    const result = await client({})
      .mutation(tag`mutation { createZoo(input: { name: "Anon" }) { id } }`, {})
      .toPromise();
    expect(result.error?.graphQLErrors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});
