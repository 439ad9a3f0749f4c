import { parseArgs } from 'node:util';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { loadConfig } from '../core/config/config.ts';
import { isUniqueViolation } from '../core/db/errors.ts';
import type { Database } from '../core/db/database.ts';
import { applyMigrations, migrationStatus } from '../core/db/migrations.ts';
import { newId } from '../core/ids.ts';
import * as accounts from '../modules/accounts/index.ts';
import { createPasswordHasher } from '../core/passwords/password-hasher.ts';
import { checkPassword } from '../core/passwords/password-policy.ts';
import { openDatabase } from '../server.ts';

export const ADMIN_USAGE = 'Usage: bulwark admin create --email E [--name N] [--promote]';

type Out = { write(chunk: string): unknown };

/** A readable standard input; a terminal also has `isTTY` and `setRawMode`. */
export interface AdminInput extends AsyncIterable<string | Buffer> {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding?(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  removeListener(event: 'data', listener: (chunk: string | Buffer) => void): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

export interface AdminIo {
  readonly stdin: AdminInput;
  readonly stdout: Out;
  readonly stderr: Out;
  /** The environment the configuration is read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

class AdminError extends Error {}

const EmailSchema = Type.String({ format: 'email', maxLength: 254 });

/**
 * `bulwark admin create --email E`: creates an admin account whose password comes from standard input (the
 * first line of a pipe, or typed twice without echo on a terminal), never from an argument. An existing
 * email is refused unless `--promote`, which adds the admin role to that account and keeps its password.
 * Returns the exit code.
 * @example printf '%s\n' "$PASSWORD" | bulwark admin create --email root@example.com
 */
export async function adminCreate(argv: readonly string[], io: AdminIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      promote: { type: 'boolean', default: false },
    },
  });
  const email = values.email?.trim();
  if (!email) {
    io.stderr.write(`bulwark: admin create needs --email\n${ADMIN_USAGE}\n`);
    return 2;
  }
  if (!Value.Check(EmailSchema, email)) {
    io.stderr.write(`bulwark: ${JSON.stringify(email)} is not an email address\n`);
    return 2;
  }
  const config = loadConfig(io.env ?? process.env);
  const database = await openDatabase(config);
  try {
    await ensureMigrated(database, config.migrateOnStart);
    const existing = await accounts.findByEmail(database.db, email);
    if (existing && !values.promote) {
      throw new AdminError(`an account with the email ${email} exists; pass --promote to make it an admin`);
    }
    if (existing) {
      io.stdout.write(`${await promote(database, existing)}\n`);
      return 0;
    }
    const password = await readPassword(io);
    const verdict = checkPassword(password);
    if (!verdict.ok) throw new AdminError(`the password is not accepted: ${verdict.reason}`);
    const passwordHash = await createPasswordHasher(config.argon2).hash(password);
    const account = await accounts
      .insert(database.db, {
        id: newId(),
        email,
        name: values.name ?? null,
        roles: ['admin', 'user'],
        // The operator vouches for the address; there may be no mail set up yet to verify it.
        emailVerified: true,
        passwordHash,
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? new AdminError(`an account with the email ${email} exists`) : error;
      });
    io.stdout.write(`Created admin account ${account.id} for ${email}.\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    io.stderr.write(`bulwark: ${error.message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}

async function ensureMigrated(database: Database, migrateOnStart: boolean): Promise<void> {
  if ((await migrationStatus(database)).pending === 0) return;
  if (!migrateOnStart)
    throw new AdminError('the database has pending migrations: run `bulwark migrate` first');
  await applyMigrations(database);
}

async function promote(database: Database, account: accounts.AccountRow): Promise<string> {
  if (account.roles.includes('admin')) return `${account.email} is already an admin; nothing changed.`;
  // A role change refuses the access tokens issued before it, as through the API.
  await accounts.update(database.db, account.id, {
    roles: ['admin', ...account.roles.filter((r) => r !== 'admin')],
    tokensValidAfter: new Date(),
  });
  const note = account.isActive ? '' : ' (the account is inactive: activate it to sign in)';
  return `${account.email} (${account.id}) is now an admin${note}.`;
}

/** The password: typed twice on a terminal, else the first line of standard input. */
async function readPassword(io: AdminIo): Promise<string> {
  if (io.stdin.isTTY && io.stdin.setRawMode) {
    const first = await promptHidden(io.stdin, io.stderr, 'Password for the new admin: ');
    const second = await promptHidden(io.stdin, io.stderr, 'Repeat it: ');
    if (first !== second) throw new AdminError('the two passwords differ');
    return first;
  }
  let text = '';
  for await (const chunk of io.stdin) {
    text += chunk.toString();
    // Stop at the first line; a pipe may be longer, and a megabyte of input must not be buffered.
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split('\n', 1)[0]!.replace(/\r$/, '');
  if (line === '') throw new AdminError('no password on standard input (pipe it in, first line)');
  return line;
}

/** Reads one line from a terminal in raw mode, so the password is never echoed. */
function promptHidden(input: AdminInput, output: Out, prompt: string): Promise<string> {
  output.write(prompt);
  input.setRawMode!(true);
  input.setEncoding?.('utf8');
  input.resume?.();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode!(false);
      input.pause?.();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new AdminError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
