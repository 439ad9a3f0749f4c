import { DrizzleQueryError } from 'drizzle-orm';
import { stdSerializers } from 'pino';

/** What may be said about a database error: its SQLSTATE and the names of what it hit, never values. */
export interface DatabaseErrorFacts {
  readonly code: string | undefined;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
}

interface ErrorFields {
  code?: unknown;
  severity?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  cause?: unknown;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const name = (value: unknown) => (typeof value === 'string' && value.length <= 200 ? value : undefined);

/** True for an error a driver raised for a statement (pg, PGlite) or Drizzle's wrapper around one. */
function isDatabaseError(e: ErrorFields): boolean {
  if (e instanceof DrizzleQueryError) return true;
  return typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string';
}

/**
 * The database error in an error's cause chain, reduced to what is safe to log. Drizzle's message carries
 * the statement's bound parameters (password hashes, tokens, addresses) and the driver's `detail` and
 * message can quote values (`Key (email)=(…) already exists`), so none of them is kept.
 * @example databaseErrorFacts(error) // { code: '23505', constraint: 'accounts_email_key', table: 'accounts' }
 */
export function databaseErrorFacts(error: unknown): DatabaseErrorFacts | undefined {
  let found = false;
  for (
    let e = error as ErrorFields | undefined, depth = 0;
    e && depth < 8;
    e = e.cause as ErrorFields, depth++
  ) {
    if (typeof e !== 'object') break;
    if (!isDatabaseError(e)) continue;
    found = true;
    if (typeof e.code === 'string' && SQLSTATE.test(e.code)) {
      return {
        code: e.code,
        ...(name(e.constraint) && { constraint: name(e.constraint) }),
        ...(name(e.table) && { table: name(e.table) }),
        ...(name(e.column) && { column: name(e.column) }),
      };
    }
  }
  return found ? { code: undefined } : undefined;
}

// Secrets that may sit in an error message that is not a database error's (a library quoting its input).
const SECRET_PATTERNS: readonly RegExp[] = [
  /\$argon2(?:id|i|d)\$[\w$=,+/.-]+/g,
  /\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{20,}/g,
  /\$[56]\$[^\s"',;)]+/g,
  /\$pbkdf2[^\s"',;)]*/g,
  /\b(?:pbkdf2|scrypt):[^\s"',;)]+/g,
  /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, // JWTs
  /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi,
  /\bbwk_[0-9a-f]{12}_[\w-]+/g, // API keys
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, // addresses
];
// Opaque random tokens (base64url, ≥ 32 characters); runs of hex and hyphens (ids, digests) stay readable.
const OPAQUE_TOKEN = /[\w-]{32,}/g;

/**
 * Replaces password hashes, JWTs, API keys, bearer credentials, email addresses and long random tokens in
 * a text with `[redacted]`.
 * @example scrubSecrets('reset failed for ann@example.com') // 'reset failed for [redacted]'
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out.replace(OPAQUE_TOKEN, (run) => (/^[0-9a-f-]+$/i.test(run) ? run : '[redacted]'));
}

function describeFacts(facts: DatabaseErrorFacts): string {
  const on = facts.constraint ? ` on ${facts.constraint}` : facts.table ? ` on ${facts.table}` : '';
  return `database error ${facts.code ?? '(no SQLSTATE)'}${on}`;
}

/**
 * A one-line description of an error that is safe to store or log: a database error by its code and
 * constraint, any other message scrubbed. Used for `jobs.last_error`.
 * @example safeErrorMessage(error) // 'insert failed: database error 23505 on mail_messages_pkey'
 */
export function safeErrorMessage(error: unknown): string {
  const facts = databaseErrorFacts(error);
  const messages: string[] = [];
  for (let e = error, depth = 0; e && depth < 8; e = (e as ErrorFields).cause, depth++) {
    if (!(e instanceof Error)) {
      if (depth === 0) messages.push(typeof e === 'string' ? e : 'a value that is not an Error was thrown');
      break;
    }
    if (facts && isDatabaseError(e)) break;
    messages.push(e.message);
  }
  if (facts) messages.push(describeFacts(facts));
  return scrubSecrets(messages.join(': ')).slice(0, 2000);
}

/** The stack's frames without its first lines, which repeat the (unsafe) message. */
function framesOnly(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const at = stack.indexOf('\n    at ');
  return at === -1 ? undefined : stack.slice(at + 1);
}

/**
 * pino's `err` serializer, made safe: a database error anywhere in the cause chain is logged as its code
 * and constraint (with the stack frames, without the message); any other error is pino's standard
 * serialization with secrets scrubbed from message and stack.
 */
export function errSerializer(err: unknown): SerializedError {
  if (!(err instanceof Error)) return err as SerializedError;
  const facts = databaseErrorFacts(err);
  if (facts) {
    return {
      type: err.constructor.name === 'DrizzleQueryError' ? 'DatabaseError' : err.constructor.name,
      message: safeErrorMessage(err),
      ...facts,
      stack: framesOnly(err.stack) ?? '',
    };
  }
  const serialized = stdSerializers.err(err) as unknown as Record<string, unknown>;
  const safe: SerializedError = { type: 'Error', message: '', stack: '' };
  for (const [key, value] of Object.entries(serialized)) {
    safe[key] = typeof value === 'string' ? scrubSecrets(value) : value;
  }
  return safe;
}

export interface SerializedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}
