import { pino } from 'pino';
import type { Config } from '../core/config/config.ts';
import { resolveMasterKey } from '../core/config/master-key.ts';
import { openDatabase } from '../server.ts';
import type { Database } from '../core/db/database.ts';
import { ACTIVE_KEY_CHECK_MS, SigningKeyStore } from '../modules/auth/index.ts';

/**
 * `bulwark keys rotate`: adds a new token-signing key and retires the others, which stay published in
 * the JWKS until the tokens they signed have expired. Running instances sign with the new key within
 * ACTIVE_KEY_CHECK_MS (2 s): each checks the active key before signing once its view is that old.
 * `database`: an open database to use instead of the configured one (tests); it is left open.
 */
export async function rotateKeys(
  config: Config,
  out: (line: string) => void,
  database?: Database,
): Promise<string> {
  const masterKey = await resolveMasterKey(config, (message) => pino().warn(message));
  const db = database ?? (await openDatabase(config));
  try {
    const store = new SigningKeyStore(db.db, masterKey, (config.accessTokenTtlSeconds + 300) * 1000);
    await store.init();
    const kid = await store.rotate();
    out(
      `New signing key ${kid}; ${store.jwks().keys.length} key(s) published. ` +
        `Running instances sign with it within ${ACTIVE_KEY_CHECK_MS / 1000} s.`,
    );
    return kid;
  } finally {
    if (!database) await db.close();
  }
}
