import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * Returns the configured master key, or (outside production only) the development key kept in
 * `<dataDir>/master.key`, generating it on first use. `warn` is told when a generated key is in use.
 */
export async function resolveMasterKey(config: Config, warn: (message: string) => void): Promise<Buffer> {
  if (config.masterKey) return config.masterKey;
  if (config.env === 'production') throw new Error('MASTER_KEY is required in production');
  const file = path.join(config.dataDir, 'master.key');
  try {
    const existing = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (existing.length === 32) {
      warn(`MASTER_KEY is not set: using the development key in ${file}`);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  warn(`MASTER_KEY is not set: generated a development key into ${file}; set MASTER_KEY in production`);
  return key;
}
