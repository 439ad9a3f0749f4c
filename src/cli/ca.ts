import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../core/config/config.ts';
import { resolveMasterKey } from '../core/config/master-key.ts';
import { applyMigrations } from '../core/db/migrations.ts';
import type { AppContext } from '../core/context.ts';
import { importCa, initCa, readPrivateKey, rotateMasterKey } from '../modules/certificates/index.ts';
import { resealSigningKeys } from '../modules/auth/index.ts';
import { resealWebhookSecrets } from '../modules/webhooks/index.ts';
import { openDatabase } from '../server.ts';

export const CA_USAGE = `Usage:
  bulwark ca init [--force]
  bulwark ca import --root ROOT.pem --cert INTERMEDIATE.pem --key INTERMEDIATE.key
                    [--root-key ROOT.key] [--passphrase-file FILE]
  bulwark keys rotate-master   (MASTER_KEY = the new key, MASTER_KEY_PREVIOUS = the old one)`;

/**
 * Runs `fn` with the application's context, so that the domain events of CA operations reach every module
 * that listens (the audit chain, webhooks) exactly as they would from the server. The CA is not auto-created.
 */
async function withContext<T>(base: Config, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = { ...base, caAutoInit: false, jobWorkers: false, logLevel: 'warn' as const };
  const masterKey = await resolveMasterKey(config, (message) => pino().warn(message));
  const database = await openDatabase(config);
  try {
    if (config.migrateOnStart) await applyMigrations(database);
    const app = await buildApp({ config, database, masterKey, startWorker: false });
    try {
      return await fn(app.ctx);
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

const keysOf = (ctx: AppContext) => ({ current: ctx.masterKey, previous: ctx.config.masterKeyPrevious });

/** `bulwark ca init|import`. Returns the exit code. */
export async function caCommand(
  argv: readonly string[],
  out: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const [sub, ...args] = argv;
  const config = loadConfig(env);
  if (sub === 'init') {
    const { values } = parseArgs({
      args: [...args],
      options: { force: { type: 'boolean', default: false } },
    });
    const result = await withContext(config, (ctx) => initCa(ctx.database, keysOf(ctx), ctx.events, values));
    out(
      result.created
        ? `Created a root and an issuing intermediate (${result.intermediateId}); restart running servers.`
        : 'A CA exists already; nothing changed (--force replaces it).',
    );
    return 0;
  }
  if (sub === 'import') {
    const { values } = parseArgs({
      args: [...args],
      options: {
        root: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'root-key': { type: 'string' },
        'passphrase-file': { type: 'string' },
      },
    });
    if (!values.root || !values.cert || !values.key)
      throw new Error(`ca import needs --root, --cert and --key\n${CA_USAGE}`);
    const passphrase = values['passphrase-file']
      ? (await readFile(values['passphrase-file'], 'utf8')).replace(/\r?\n$/, '')
      : undefined;
    const material = {
      rootPem: await readFile(values.root, 'utf8'),
      intermediatePem: await readFile(values.cert, 'utf8'),
      intermediateKey: readPrivateKey(await readFile(values.key, 'utf8'), passphrase),
      rootKey: values['root-key']
        ? readPrivateKey(await readFile(values['root-key'], 'utf8'), passphrase)
        : undefined,
    };
    const ids = await withContext(config, (ctx) => importCa(ctx.database, keysOf(ctx), ctx.events, material));
    out(`Imported; intermediate ${ids.intermediateId} now issues. Restart running servers.`);
    return 0;
  }
  throw new Error(CA_USAGE);
}

/**
 * `bulwark keys rotate-master`: rewraps every CA data key under MASTER_KEY and reseals what is sealed
 * directly under the master key (token signing keys, webhook secrets) from MASTER_KEY_PREVIOUS.
 */
export async function rotateMaster(
  out: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const config = loadConfig(env);
  if (!config.masterKey) throw new Error('keys rotate-master needs MASTER_KEY (the new key)');
  const result = await withContext(config, async (ctx) => {
    const rotated = await rotateMasterKey(ctx.database, keysOf(ctx), ctx.events);
    // Sealed directly under the master key (no data key): the access-token signing keys and the webhook
    // secrets. Resealed too, idempotently; instances running with both keys open either meanwhile.
    const previous = ctx.config.masterKeyPrevious;
    const resealed = previous ? await resealWebhookSecrets(ctx.database.db, previous, ctx.masterKey) : 0;
    const signing = previous ? await resealSigningKeys(ctx.database.db, previous, ctx.masterKey) : 0;
    return { ...rotated, resealed, signing };
  });
  out(
    `Rewrapped ${result.rewrapped} CA data key(s) under the current master key (${result.alreadyCurrent} already were); ` +
      `resealed ${result.signing} token signing key(s) and ${result.resealed} webhook secret(s); ` +
      'MASTER_KEY_PREVIOUS can be removed once every instance runs with the new MASTER_KEY.',
  );
  return 0;
}
