// Writes docs/schema.graphql, the SDL of /graphql: `npm run graphql:schema`. A test fails when it is stale.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  buildClientSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
  type IntrospectionQuery,
} from 'graphql';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/core/config/config.ts';
import { connectDatabase } from '../src/core/db/database.ts';

export const SCHEMA_FILE = new URL('../docs/schema.graphql', import.meta.url);

/** The SDL as the server answers introspection, sorted, so the file changes only when the schema does. */
export async function renderGraphqlSchema(): Promise<string> {
  const database = await connectDatabase({ url: 'memory://' });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GRAPHQL_INTROSPECTION: 'on' });
  const app = await buildApp({ config, database, masterKey: randomBytes(32), startWorker: false });
  try {
    await app.ready();
    const res = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: getIntrospectionQuery() },
    });
    const { data } = res.json<{ data: IntrospectionQuery }>();
    return `${printSchema(lexicographicSortSchema(buildClientSchema(data)))}\n`;
  } finally {
    await app.close();
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(SCHEMA_FILE, await renderGraphqlSchema());
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
}
