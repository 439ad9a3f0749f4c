import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { validationFailed } from '../../core/errors/app-error.ts';

/**
 * Checks a GraphQL input (already typed by the schema) against its TypeBox schema; the field errors name
 * the argument, such as `input.name`, and become BAD_USER_INPUT.
 * @example assertValid(CreateAnimalInput, args.input, 'input')
 */
export function assertValid<T extends TSchema>(schema: T, value: unknown, argument: string): Static<T> {
  const errors = Value.Errors(schema, value).filter((e) => e.keyword !== 'anyOf');
  if (errors.length === 0) return value as Static<T>;
  const seen = new Set<string>();
  const fields = errors
    .map((e) => ({
      path: [argument, ...e.instancePath.split('/').filter(Boolean)].join('.'),
      message: e.keyword === 'pattern' ? 'must not have control characters or surrounding spaces' : e.message,
    }))
    .filter((f) => !seen.has(f.path) && seen.add(f.path));
  throw validationFailed(
    fields,
    `Invalid ${argument}: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}.`,
  );
}
