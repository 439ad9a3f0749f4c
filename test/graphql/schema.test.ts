import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { renderGraphqlSchema, SCHEMA_FILE } from '../../scripts/graphql-schema.ts';

it('docs/schema.graphql is the schema the server serves (run `npm run graphql:schema` after a change)', async () => {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  const served = await renderGraphqlSchema();
  expect(served).toBe(committed);
});

it('has the contract of API.md §5', async () => {
  const sdl = await readFile(SCHEMA_FILE, 'utf8');
  for (const line of [
    'node(id: ID!): Node',
    'me: User',
    'animals(after: String, filter: AnimalFilter, first: Int, orderBy: AnimalOrder): AnimalConnection!',
    'type Animal implements Node',
    'type Zoo implements Node',
    'type User implements Node',
    'scalar Date',
    'scalar DateTime',
    'scalar Upload',
    'uploadAnimalImage(animalId: ID!, file: Upload!): Image!',
    'transferZoo(userId: ID!, zooId: ID!): Zoo!',
    'login(email: String!, password: String!): AuthPayload!',
  ]) {
    expect(sdl).toContain(line);
  }
  expect(sdl).not.toMatch(/password_?hash/i);
});
