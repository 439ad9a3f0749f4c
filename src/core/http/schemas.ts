import { Type, type Static } from 'typebox';

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

/** `?limit=&cursor=` of every list route. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});

// Control characters (C0 but tab/newline/CR, DEL, C1) and lone UTF-16 surrogates. PostgreSQL refuses NUL in
// text (a 500 before this), a lone surrogate cannot be stored as UTF-8, and the rest has no place in a name.
// TypeBox compiles `pattern` with the `u` flag, where `[\uD800-\uDFFF]` matches only unpaired halves.
const NO_CONTROL = '^[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';
const NO_CONTROL_BUT_WHITESPACE =
  '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$';

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
