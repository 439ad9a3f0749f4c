import { fullFormats } from 'ajv-formats/dist/formats.js';
import { ROLES, type Role } from '../../../db/schema/accounts.ts';
import { isLegacyHash, MAX_HASH_LENGTH } from '../../../core/passwords/legacy-hashes.ts';
import { ARGON2_LIMITS } from '../../../core/passwords/password-hasher.ts';

/** A valid line of an import file, ready for the upsert. `null` means "not given". */
export interface ImportRow {
  /** The email in lower case: the key accounts are matched by. */
  readonly key: string;
  readonly email: string;
  readonly name: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly passwordHash: string;
  readonly roles: Role[] | null;
  /** ISO 8601 in UTC, to the millisecond (what the column keeps, so that a re-import compares equal). */
  readonly createdAt: string | null;
  readonly emailVerified: boolean | null;
}

export type ParsedLine =
  { readonly row: ImportRow; readonly reason?: undefined } | { readonly reason: string };

const FIELDS = new Set([
  'email',
  'name',
  'full_name',
  'first_name',
  'last_name',
  'password_hash',
  'hashed_password',
  'roles',
  'created_at',
  'email_verified',
]);
// The Python systems' exports name the hash `password_hash` (Flask) or `hashed_password` (FastAPI).
const HASH_FIELDS = ['password_hash', 'hashed_password'] as const;
// The API's limits: a name of 200 characters, each part of 100.
const NAME_FIELDS = { name: 200, full_name: 200, first_name: 100, last_name: 100 } as const;
const MAX_NAME = NAME_FIELDS.name;
// The very pattern the API validates `format: email` with (ajv-formats, full mode): ASCII only, so the
// lower case of JavaScript and of PostgreSQL agree on the key.
const EMAIL = fullFormats.email as RegExp;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const ARGON2ID =
  /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;
// Only a name that looks like an identifier is echoed back: a stray key could be a hash or an address.
const ECHOABLE = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;
const echo = (value: unknown) => (typeof value === 'string' && ECHOABLE.test(value) ? ` "${value}"` : '');

/** An argon2id PHC string whose cost stays within what sign-in agrees to verify. */
export function isImportableArgon2id(hash: string): boolean {
  const [, m = '', t = '', p = ''] = ARGON2ID.exec(hash) ?? [];
  const [memory, time, lanes] = [Number(m), Number(t), Number(p)];
  return (
    hash.length <= MAX_HASH_LENGTH &&
    m !== '' &&
    lanes >= 1 &&
    time >= 1 &&
    memory >= 8 * lanes &&
    memory <= ARGON2_LIMITS.memoryCost &&
    time <= ARGON2_LIMITS.timeCost &&
    lanes <= ARGON2_LIMITS.parallelism
  );
}

/** RFC 3339 with a time zone, a real calendar date, not after `now`; as UTC milliseconds. */
function parseTimestamp(value: string, now: number): { iso: string } | { reason: string } {
  const match = RFC3339.exec(value);
  if (!match) return { reason: 'created_at is not an RFC 3339 timestamp with a time zone' };
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, oh = 0, om = 0] = match
    .slice(1)
    .map((part) => Number(part ?? 0));
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0..99 as 1900..1999
  const calendar =
    y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
  if (!calendar || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) {
    return { reason: 'created_at is not a valid date and time' };
  }
  const ms = Date.parse(value.replace(/^(\d{4}-\d{2}-\d{2})t/, '$1T').replace(/z$/, 'Z'));
  if (Number.isNaN(ms)) return { reason: 'created_at is not a valid date and time' };
  if (ms > now) return { reason: 'created_at is in the future' };
  return { iso: new Date(ms).toISOString() };
}

/** The hash under either of its names; both may be given only with the same value. */
function checkHash(input: Record<string, unknown>, problems: string[]): string | undefined {
  const given = HASH_FIELDS.filter((field) => input[field] !== undefined && input[field] !== null);
  const [field] = given;
  if (field === undefined) {
    problems.push('password_hash (or hashed_password) is required');
    return undefined;
  }
  const hash = input[field];
  if (given.length > 1 && input[given[1]!] !== hash) {
    problems.push('password_hash and hashed_password differ');
    return undefined;
  }
  if (typeof hash !== 'string') {
    problems.push(`${field} must be a string`);
    return undefined;
  }
  if (!isImportableArgon2id(hash) && !isLegacyHash(hash)) {
    problems.push(
      `${field} is not a supported format (bcrypt, passlib sha256_crypt, sha512_crypt or pbkdf2, ` +
        'Werkzeug pbkdf2 or scrypt, argon2id) or its cost is out of bounds',
    );
    return undefined;
  }
  return hash;
}

/**
 * The profile names. `name` is the first non-empty of `name`, `full_name`, and `first_name` and
 * `last_name` joined by one space (either alone if the other is missing); `first_name` and `last_name`
 * are kept in their own fields too. An empty string is no value (Python exports write "" for a missing one).
 */
function checkNames(
  input: Record<string, unknown>,
  problems: string[],
): Pick<ImportRow, 'name' | 'firstName' | 'lastName'> {
  const value: Partial<Record<keyof typeof NAME_FIELDS, string>> = {};
  for (const [field, max] of Object.entries(NAME_FIELDS) as [keyof typeof NAME_FIELDS, number][]) {
    const raw = input[field];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string') {
      problems.push(`${field} must be a string`);
      continue;
    }
    const trimmed = raw.trim();
    // Code points, as the API's maxLength counts them.
    if (trimmed.length > max && [...trimmed].length > max)
      problems.push(`${field} is longer than ${max} characters`);
    else if (trimmed !== '') value[field] = trimmed;
  }
  const joined = [value.first_name, value.last_name].filter(Boolean).join(' ');
  const name = value.name ?? value.full_name ?? (joined === '' ? null : joined);
  if (name !== null && [...name].length > MAX_NAME)
    problems.push(`first_name and last_name together are longer than ${MAX_NAME} characters`);
  return { name, firstName: value.first_name ?? null, lastName: value.last_name ?? null };
}

function checkRoles(value: unknown, problems: string[]): Role[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('roles must be a non-empty array of "admin" and "user"');
    return null;
  }
  const unknown: unknown = value.find((r) => !(ROLES as readonly unknown[]).includes(r));
  if (unknown !== undefined) problems.push(`unknown role${echo(unknown)} (roles are "admin" and "user")`);
  return ROLES.filter((r) => value.includes(r));
}

/**
 * Validates one line of an import file: a JSON object `{email, password_hash | hashed_password, name?,
 * full_name?, first_name?, last_name?, roles?, created_at?, email_verified?}`. The reason lists every
 * problem and never quotes a value (it could be a hash).
 * @example parseImportLine('{"email":"a@example.com","password_hash":"$2b$12$…"}', Date.now())
 */
export function parseImportLine(text: string, now: number): ParsedLine {
  if (text.trim() === '') return { reason: 'blank line' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { reason: 'not a JSON object' };
  const input = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of Object.keys(input))
    if (!FIELDS.has(field)) problems.push(`unknown field${echo(field)}`);

  const { email, created_at: createdAt, email_verified: verified } = input;
  if (typeof email !== 'string')
    problems.push(email === undefined ? 'email is required' : 'email must be a string');
  else if (email.length > 254) problems.push('email is longer than 254 characters');
  else if (!EMAIL.test(email)) problems.push('email is not a valid address');

  const names = checkNames(input, problems);
  const hash = checkHash(input, problems);

  const roles = checkRoles(input.roles, problems);
  let created: string | null = null;
  if (createdAt !== undefined && createdAt !== null) {
    const parsed =
      typeof createdAt === 'string'
        ? parseTimestamp(createdAt, now)
        : { reason: 'created_at must be a string' };
    if ('reason' in parsed) problems.push(parsed.reason);
    else created = parsed.iso;
  }
  if (verified !== undefined && verified !== null && typeof verified !== 'boolean') {
    problems.push('email_verified must be true or false');
  }

  if (problems.length > 0) return { reason: problems.join('; ') };
  const address = email as string;
  return {
    row: {
      key: address.toLowerCase(),
      email: address,
      ...names,
      passwordHash: hash!,
      roles,
      createdAt: created,
      emailVerified: typeof verified === 'boolean' ? verified : null,
    },
  };
}
