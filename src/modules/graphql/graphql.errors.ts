import { GraphQLError } from 'graphql';
import { AppError, type ErrorCode } from '../../core/errors/app-error.ts';

/** The `extensions.code` of each error code: the twin of `problemKind` (problem.ts) for GraphQL. */
export function graphqlCode(code: ErrorCode): string {
  switch (code) {
    case 'BAD_REQUEST':
    case 'VALIDATION_FAILED':
      return 'BAD_USER_INPUT';
    case 'UNAUTHENTICATED':
      return 'UNAUTHENTICATED';
    case 'FORBIDDEN':
      return 'FORBIDDEN';
    case 'REAUTHENTICATION_REQUIRED':
      return 'REAUTHENTICATION_REQUIRED';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'METHOD_NOT_ALLOWED':
      return 'METHOD_NOT_ALLOWED';
    case 'CONFLICT':
      return 'CONFLICT';
    case 'PAYLOAD_TOO_LARGE':
      return 'PAYLOAD_TOO_LARGE';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 'RATE_LIMITED':
      return 'RATE_LIMITED';
    case 'UNAVAILABLE':
      return 'SERVICE_UNAVAILABLE';
    case 'TIMEOUT':
      return 'TIMEOUT';
    case 'INTERNAL':
      return 'INTERNAL_SERVER_ERROR';
  }
}

/**
 * One resolver error as the client sees it. An AppError keeps its message and gets its code (and, for
 * input errors, `field` naming the argument); anything else is masked to "Unexpected error" with the
 * request id, so a stack, a SQL message or a path never leaves the server (the log has it).
 * @example toClientError(error, request.id)
 */
export function toClientError(
  error: GraphQLError,
  requestId: string,
): { error: GraphQLError; unexpected: boolean } {
  const original = error.originalError;
  // Parse, validation and limit errors (no original error) are already meant for the client.
  if (!original) return { error, unexpected: false };
  if (original instanceof GraphQLError && !original.originalError)
    return { error: original, unexpected: false };
  if (original instanceof AppError && original.code !== 'INTERNAL') {
    const fields = original.errors ?? [];
    const extensions: Record<string, unknown> = { code: graphqlCode(original.code) };
    if (fields[0]) extensions.field = fields[0].path;
    if (fields.length > 0) extensions.fields = fields;
    return {
      error: new GraphQLError(original.message, { nodes: error.nodes, path: error.path, extensions }),
      unexpected: false,
    };
  }
  return {
    error: new GraphQLError(`Unexpected error; quote request id ${requestId} when reporting it.`, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    }),
    unexpected: true,
  };
}
