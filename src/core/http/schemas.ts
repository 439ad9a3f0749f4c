import { Type, type Static } from 'typebox';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../passwords/password-policy.ts';

/** RFC 9457 problem details; every error response of every route uses it. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'A URI naming the kind of problem',
      examples: ['urn:bulwark:problem:not-found'],
    }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    request_id: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON pointer into the request, e.g. /body/email' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);
export type ProblemBody = Static<typeof ProblemSchema>;

export const ProblemRef = Type.Ref('Problem');

/** The error responses a route can give, each as problem+json, for its OpenAPI entry. */
export function problemResponses(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemRef]));
}

// Control characters (C0 but tab/newline/CR, DEL, C1) and lone UTF-16 surrogates. PostgreSQL refuses NUL in
// text (a 500 before this), a lone surrogate cannot be stored as UTF-8, and the rest has no place in a name.
// TypeBox compiles `pattern` with the `u` flag, where `[\uD800-\uDFFF]` matches only unpaired halves.
const NO_CONTROL = '^[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';
const NO_CONTROL_BUT_WHITESPACE =
  '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';
// Passwords are never stored or shown, so any character may be in one but NUL (C strings and bcrypt end at
// it, so `a\0b` would verify as `a`) and lone surrogates (UTF-8 encoding turns each into U+FFFD, so two
// different passwords would hash alike).
const NO_NUL = '^[^\\u0000\\uD800-\\uDFFF]*$';

/** What a 422 says about each of these patterns (rather than the pattern itself). */
export const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [NO_CONTROL]: 'must not contain control characters or unpaired surrogates',
  [NO_CONTROL_BUT_WHITESPACE]:
    'must not contain control characters (but tab and newline) or unpaired surrogates',
  [NO_NUL]: 'must not contain NUL or unpaired surrogates',
};

type StringOptions = Parameters<typeof Type.String>[0];

/**
 * A single-line string with no control characters or lone surrogates: every name, email, title and
 * identifier a client sends. Always give a `maxLength`.
 * @example name: SafeString({ minLength: 1, maxLength: 200 })
 */
export const SafeString = (options: StringOptions & { maxLength: number }) =>
  Type.String({ ...options, pattern: options.pattern ?? NO_CONTROL });

/** Like SafeString, but tab, newline and carriage return are allowed: descriptions, free text. */
export const SafeText = (options: StringOptions & { maxLength: number }) =>
  Type.String({ ...options, pattern: options.pattern ?? NO_CONTROL_BUT_WHITESPACE });

/**
 * A password or other secret a client types: any character but NUL and lone surrogates. Lengths count
 * code points.
 * @example new_password: SecretString({ minLength: 8, maxLength: 128 })
 */
export const SecretString = (options: StringOptions & { maxLength: number }) =>
  Type.String({ ...options, pattern: NO_NUL });

/**
 * A new password: the policy's length (code points) in the schema, so a 422 names it with the other invalid
 * fields; the rest of the policy (common passwords) is checked in code.
 */
export const NewPassword = SecretString({
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: MAX_PASSWORD_LENGTH,
  description: `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, not a common password`,
});

/** `?limit=&cursor=` of every list route. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(SafeString({ maxLength: 512 })),
});

/** `{id}` path parameter of every resource. */
export const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** An email address as clients send it (compared case-insensitively everywhere). */
export const Email = Type.String({
  format: 'email',
  maxLength: 254,
  pattern: NO_CONTROL,
  description: 'Compared case-insensitively',
});

/** `{items, next_cursor}` of every cursor-paged list. */
export const PagedList = <T extends Parameters<typeof Type.Array>[0]>(item: T, $id: string) =>
  Type.Object(
    {
      items: Type.Array(item),
      next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
    },
    { $id },
  );
