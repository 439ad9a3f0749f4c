import { pino } from 'pino';
import type { Config } from '../core/config/config.ts';
import { resolveMasterKey } from '../core/config/master-key.ts';
import { openDatabase } from '../server.ts';
import { SigningKeyStore } from '../modules/auth/index.ts';

/**
 * `bulwark keys rotate`: adds a new token-signing key and retires the others, which stay published in
 * the JWKS until the tokens they signed have expired. Running instances pick the new key up within a minute.
 */
export async function rotateKeys(config: Config, out: (line: string) => void): Promise<void> {
  const masterKey = await resolveMasterKey(config, (message) => pino().warn(message));
  const database = await openDatabase(config);
  try {
    const store = new SigningKeyStore(database.db, masterKey, (config.accessTokenTtlSeconds + 300) * 1000);
    await store.init();
    const kid = await store.rotate();
    out(`New signing key ${kid}; ${store.jwks().keys.length} key(s) published.`);
  } finally {
    await database.close();
  }
}
