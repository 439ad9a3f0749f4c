// Writes docs/openapi.json from the route schemas: `npm run openapi`. A test fails when it is stale.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/core/config/config.ts';
import { connectDatabase } from '../src/core/db/database.ts';

export const OPENAPI_FILE = new URL('../docs/openapi.json', import.meta.url);

/** The OpenAPI document as committed: built with the default configuration, pretty-printed. */
export async function renderOpenApi(): Promise<string> {
  const database = await connectDatabase({ url: 'memory://' });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: 'http://localhost:3000' });
  const app = await buildApp({ config, database, masterKey: randomBytes(32), startWorker: false });
  try {
    await app.ready();
    return JSON.stringify(app.swagger(), null, 2) + '\n';
  } finally {
    await app.close();
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(OPENAPI_FILE, await renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE.pathname}`);
}
