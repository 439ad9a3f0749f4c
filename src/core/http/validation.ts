import { registerAjvFormats } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import type { FieldError } from '../errors/app-error.ts';
import { PATTERN_MESSAGES } from './schemas.ts';

/** At most this many invalid fields are listed in a 422. */
export const MAX_FIELD_ERRORS = 20;
// TypeBox stops collecting at `maxErrors` (per union branch); raw errors are more than fields (a union
// reports each branch, an unknown property twice), so it collects a few times the fields listed.
const MAX_RAW_ERRORS = 3 * MAX_FIELD_ERRORS;
// TypeBox's error walk visits every element even past `maxErrors` (about 1.5 µs each): a 1 MB body of
// array items would cost most of a second. Errors are computed on a copy cut to this many items and keys,
// more than any schema here allows (`maxItems` ≤ 100), so the bound errors still show.
const MAX_WALKED = 1000;

/** Registers the string formats and the error bound once, before any route compiles its schemas. */
export function configureValidation(): void {
  registerAjvFormats();
  Settings.Set({ maxErrors: MAX_RAW_ERRORS });
}

const WHOLE_PART_INVALID = {
  keyword: 'invalid',
  instancePath: '',
  schemaPath: '#',
  params: {},
  message: 'is not valid',
};

/** TypeBox's error shape (also Fastify's `FastifySchemaValidationError`). */
export interface ValidationItem {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly schemaPath?: string;
  readonly params?: Record<string, unknown>;
  readonly message?: string;
}

function cut(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, MAX_WALKED).map((item) => cut(item, depth + 1));
  const entries = Object.entries(value).slice(0, MAX_WALKED);
  return Object.fromEntries(entries.map(([key, item]) => [key, cut(item, depth + 1)]));
}

/**
 * The validator compiler of every route: TypeBox's compiled check, and on failure every invalid field (not
 * only the first), bounded. Query, path and header values are converted (`"5"` → 5) as the TypeBox type
 * provider does; bodies are not.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  return (value: unknown): { value?: unknown; error?: FastifySchemaValidationError[] } => {
    const converted = httpPart === 'body' ? value : Value.Convert(schema, value);
    if (validator.Check(converted)) return { value: converted };
    const errors: FastifySchemaValidationError[] = validator.Errors(cut(converted));
    // Cutting can hide the only fault (it was past the cut): still a 422, naming the whole part.
    if (errors.length === 0) errors.push(WHOLE_PART_INVALID);
    return { error: errors };
  };
};

const PART_NAMES: Record<string, string> = {
  querystring: 'query',
  params: 'path',
  headers: 'header',
  body: 'body',
};

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];

/** A union branch's own failure (`…/anyOf/1`), as opposed to a failure inside the branch's properties. */
const isBranch = (item: ValidationItem) => /\/anyOf\/\d+$/.test(item.schemaPath ?? '');

function messageOf(item: ValidationItem): string {
  const pattern = item.keyword === 'pattern' ? item.params?.pattern : undefined;
  if (typeof pattern === 'string' && PATTERN_MESSAGES[pattern]) return PATTERN_MESSAGES[pattern];
  return item.message ?? 'is not valid';
}

/** What a failed union says: the constraint of the branch whose type matched, else the types or values. */
function unionMessages(branches: readonly ValidationItem[]): string[] {
  const constraints = branches.filter((b) => b.keyword !== 'type' && b.keyword !== 'const');
  if (constraints.length > 0) return constraints.map(messageOf);
  const values = branches
    .filter((b) => b.keyword === 'const')
    .map((b) => JSON.stringify(b.params?.allowedValue));
  const types = branches.filter((b) => b.keyword === 'type').flatMap((b) => asList(b.params?.type));
  if (values.length > 0) return [`must be one of ${[...values, ...types].join(', ')}`];
  return types.length > 0 ? [`must be ${types.join(' or ')}`] : [];
}

/**
 * Turns validation errors into the problem's `errors`: one entry per invalid field (a JSON pointer into the
 * request part), its distinct messages joined, unions and unknown properties said once, at most
 * MAX_FIELD_ERRORS entries.
 * @example fieldErrors(errors, 'body') // [{ path: '/body/email', message: 'must match format "email"' }, …]
 */
export function fieldErrors(items: readonly ValidationItem[], context: string | undefined): FieldError[] {
  const part = PART_NAMES[context ?? 'body'] ?? 'body';
  const fields = new Map<string, { own: string[]; branches: ValidationItem[]; union?: string }>();
  const at = (pointer: string) => {
    let field = fields.get(pointer);
    if (!field) fields.set(pointer, (field = { own: [], branches: [] }));
    return field;
  };
  for (const item of items) {
    const pointer = item.instancePath ?? '';
    if (item.keyword === 'boolean' && item.schemaPath?.endsWith('/additionalProperties')) {
      at(pointer).own.push('is not allowed');
    } else if (item.keyword === 'additionalProperties') {
      const names = asList(item.params?.additionalProperties ?? item.params?.additionalProperty);
      for (const name of names) at(`${pointer}/${name}`).own.push('is not allowed');
    } else if (item.keyword === 'required') {
      const names = asList(item.params?.requiredProperties ?? item.params?.missingProperty);
      for (const name of names) at(`${pointer}/${name}`).own.push('is required');
      if (names.length === 0) at(pointer).own.push(messageOf(item));
    } else if (item.keyword === 'anyOf') {
      at(pointer).union = messageOf(item);
    } else if (isBranch(item)) {
      at(pointer).branches.push(item);
    } else {
      at(pointer).own.push(messageOf(item));
    }
  }
  const result: FieldError[] = [];
  for (const [pointer, field] of fields) {
    const messages = [...field.own, ...unionMessages(field.branches)];
    if (messages.length === 0 && field.union) messages.push(field.union);
    if (messages.length === 0) continue;
    result.push({ path: `/${part}${pointer}`, message: [...new Set(messages)].join('; ') });
    if (result.length === MAX_FIELD_ERRORS) break;
  }
  return result;
}
