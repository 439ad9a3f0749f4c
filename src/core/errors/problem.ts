import type { ErrorCode, FieldError } from './app-error.ts';

/** RFC 9457 problem details, as every REST error is sent. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: readonly FieldError[];
}

interface ProblemKind {
  readonly status: number;
  readonly title: string;
  readonly slug: string;
}

/** The exhaustive code → HTTP mapping; adding an ErrorCode without a row here fails the typecheck. */
export function problemKind(code: ErrorCode): ProblemKind {
  switch (code) {
    case 'BAD_REQUEST':
      return { status: 400, title: 'Bad Request', slug: 'bad-request' };
    case 'VALIDATION_FAILED':
      return { status: 422, title: 'Unprocessable Content', slug: 'validation-failed' };
    case 'UNAUTHENTICATED':
      return { status: 401, title: 'Unauthorized', slug: 'unauthenticated' };
    case 'FORBIDDEN':
      return { status: 403, title: 'Forbidden', slug: 'forbidden' };
    case 'REAUTHENTICATION_REQUIRED':
      return { status: 403, title: 'Forbidden', slug: 'reauthentication-required' };
    case 'NOT_FOUND':
      return { status: 404, title: 'Not Found', slug: 'not-found' };
    case 'METHOD_NOT_ALLOWED':
      return { status: 405, title: 'Method Not Allowed', slug: 'method-not-allowed' };
    case 'CONFLICT':
      return { status: 409, title: 'Conflict', slug: 'conflict' };
    case 'PAYLOAD_TOO_LARGE':
      return { status: 413, title: 'Content Too Large', slug: 'payload-too-large' };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { status: 415, title: 'Unsupported Media Type', slug: 'unsupported-media-type' };
    case 'RATE_LIMITED':
      return { status: 429, title: 'Too Many Requests', slug: 'rate-limited' };
    case 'UNAVAILABLE':
      return { status: 503, title: 'Service Unavailable', slug: 'unavailable' };
    case 'TIMEOUT':
      return { status: 504, title: 'Gateway Timeout', slug: 'timeout' };
    case 'INTERNAL':
      return { status: 500, title: 'Internal Server Error', slug: 'internal' };
  }
}

export const PROBLEM_TYPE_BASE = 'urn:bulwark:problem:';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function toProblem(code: ErrorCode, detail: string, errors?: readonly FieldError[]): Problem {
  const kind = problemKind(code);
  const problem: Problem = {
    type: PROBLEM_TYPE_BASE + kind.slug,
    title: kind.title,
    status: kind.status,
    detail,
  };
  if (errors && errors.length > 0) problem.errors = errors;
  return problem;
}
