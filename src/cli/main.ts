#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config/config.ts';
import { API_VERSION } from '../core/http/openapi.plugin.ts';
import { applyMigrations, migrationStatus } from '../core/db/migrations.ts';
import { openDatabase } from '../server.ts';
import { printOutbox } from '../modules/mail/index.ts';
import { ADMIN_USAGE, adminCreate } from './admin.ts';
import { auditVerify } from './audit.ts';
import { IMPORT_USAGE, accountsImport } from './import.ts';
import { ITEMS_USAGE, importCommand } from './items.ts';
import { rotateKeys } from './keys.ts';
import { caCommand, rotateMaster } from './ca.ts';
import { recoCommand } from './reco.ts';
import { serve } from './serve.ts';

const USAGE = `Usage: bulwark <command> [options]

Commands:
  serve [--workers N]   start the HTTP server (N cluster workers; needs DATABASE_URL when N > 1)
  migrate               apply pending database migrations
  admin create --email E [--name N] [--promote]   create an admin (password from stdin, or prompted)
  accounts import FILE|- [--rejects FILE] [--batch-size N] [--dry-run]
                        import accounts from JSON lines (Python hashes kept, rehashed at sign-in)
  items import FILE [--format csv|ndjson]
                        import catalogue items (CSV or JSON lines; upserted on external_id), with a progress bar
  feedback import FILE [--format csv|ndjson]
                        import feedback history (ratings, views, likes) the same way
  mail outbox [--limit N]  print mail kept in the outbox (no SMTP_URL), newest first
  audit verify          check the audit log's hash chain; exit 1 naming the first broken row
  keys rotate           add a new token-signing key; old ones stay published until their tokens expire
  keys rotate-master    rewrap the CA data keys under MASTER_KEY (old key in MASTER_KEY_PREVIOUS)
  ca init [--force]     create the root and issuing CA (done at first start unless CA_AUTO_INIT=off)
  ca import --root F --cert F --key F [--root-key F] [--passphrase-file F]
                        take an existing root and intermediate (PEM; encrypted PKCS#8 keys accepted)
  reco evaluate --ratings FILE [--items FILE] [--split-seed N] [--json]
                        offline precision/recall/NDCG@10, MAP, coverage of every engine (75/25 split)
  version               print the version
`;

/** Entry point of the `bulwark` command. Exits non-zero with one line per problem, never a stack trace. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { workers: { type: 'string', default: '1' } } });
      const workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64)
        throw new UsageError('--workers takes 1..64');
      await serve(loadConfig(), workers);
      return -1; // keep running
    }
    case 'migrate': {
      const database = await openDatabase(loadConfig());
      try {
        const before = await migrationStatus(database);
        await applyMigrations(database);
        console.log(`Applied ${before.pending} migration(s); the database is up to date.`);
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'accounts': {
      const [sub, ...args] = rest;
      if (sub !== 'import') {
        process.stderr.write(`bulwark: accounts has one subcommand, import\n${IMPORT_USAGE}\n`);
        return 2;
      }
      return accountsImport(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    }
    case 'items':
    case 'feedback': {
      const [sub, ...args] = rest;
      if (sub !== 'import') {
        process.stderr.write(`bulwark: ${command} has one subcommand, import\n${ITEMS_USAGE}\n`);
        return 2;
      }
      return importCommand(command, args, { stdout: process.stdout, stderr: process.stderr });
    }
    case 'admin': {
      const [sub, ...args] = rest;
      if (sub !== 'create') throw new UsageError(ADMIN_USAGE);
      return adminCreate(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    }
    case 'ca':
      return caCommand(rest, (line) => console.log(line));
    case 'keys': {
      if (rest[0] === 'rotate-master') return rotateMaster((line) => console.log(line));
      if (rest[0] !== 'rotate') throw new UsageError('usage: bulwark keys rotate|rotate-master');
      await rotateKeys(loadConfig(), (line) => console.log(line));
      return 0;
    }
    case 'audit': {
      if (rest[0] !== 'verify' || rest.length > 1) throw new UsageError('usage: bulwark audit verify');
      return auditVerify(loadConfig(), (line) => console.log(line));
    }
    case 'mail': {
      const [subcommand, ...args] = rest;
      if (subcommand !== 'outbox') throw new UsageError('usage: bulwark mail outbox [--limit N]');
      const { values } = parseArgs({ args, options: { limit: { type: 'string', default: '20' } } });
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new UsageError('--limit takes 1..1000');
      const database = await openDatabase(loadConfig());
      try {
        await printOutbox(database, process.stdout, { limit });
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'reco':
      return recoCommand(rest, process.stdout, process.stderr);
    case 'version':
      console.log(API_VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`bulwark: ${problem}`);
    } else if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`bulwark: ${(error as Error).message}\n\n${USAGE}`);
    } else {
      console.error(`bulwark: ${(error as Error).message ?? String(error)}`);
    }
    process.exitCode = 1;
  },
);
