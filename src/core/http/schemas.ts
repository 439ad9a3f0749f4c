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
