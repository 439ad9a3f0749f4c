import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay from 'find-my-way';
import { AppError, type ErrorCode, type FieldError } from '../errors/app-error.ts';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Sends an AppError as problem+json with the request id. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const problem = toProblem(error.code, error.message, error.errors);
  problem.instance = request.url.split('?')[0];
  problem.request_id = request.id;
  return reply.code(problem.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE).send(problem);
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

const PART_NAMES: Record<string, string> = {
  querystring: 'query',
  params: 'path',
  headers: 'header',
  body: 'body',
};

function fieldErrors(items: readonly ValidationItem[], context: string | undefined): FieldError[] {
  const part = PART_NAMES[context ?? 'body'] ?? 'body';
  return items.map((item) => {
    let pointer = item.instancePath ?? '';
    const missing = item.params?.requiredProperties ?? item.params?.missingProperty;
    if (Array.isArray(missing) && missing.length === 1) pointer += `/${String(missing[0])}`;
    else if (typeof missing === 'string') pointer += `/${missing}`;
    const extra = item.params?.additionalProperties ?? item.params?.additionalProperty;
    if (typeof extra === 'string') pointer += `/${extra}`;
    return { path: `/${part}${pointer}`, message: item.message ?? 'is not valid' };
  });
}

/** Maps framework errors (parsing, limits, validation) to the closed error codes. */
function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) {
    return new AppError('VALIDATION_FAILED', 'The request is not valid.', {
      errors: fieldErrors(error.validation, error.validationContext),
    });
  }
  const status = error.statusCode ?? 500;
  const byStatus: Record<number, ErrorCode> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHENTICATED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    409: 'CONFLICT',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    422: 'VALIDATION_FAILED',
    429: 'RATE_LIMITED',
    503: 'UNAVAILABLE',
    504: 'TIMEOUT',
  };
  const code = byStatus[status] ?? (status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL');
  if (code === 'INTERNAL') return new AppError('INTERNAL', 'An unexpected error occurred.', { cause: error });
  const detail =
    error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? 'This content type is not accepted here.'
      : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'The request body is larger than allowed.'
        : error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'The request body is not valid JSON.'
          : error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? 'The request body is empty but its content type is JSON.'
            : error.message;
  return new AppError(code, detail, { cause: error });
}

/**
 * Every error becomes RFC 9457 problem+json: framework errors, AppErrors, unknown routes (404) and known
 * paths with the wrong method (405 with `Allow`). Unexpected exceptions are logged with their stack and
 * answered with a 500 that names only the request id.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  const routes = FindMyWay({ ignoreTrailingSlash: false });
  app.addHook('onRoute', (route) => {
    // Catch-all routes (CORS preflight on `*`) say nothing about which methods a path has.
    if (route.url.includes('*')) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if ((METHODS as readonly string[]).includes(method) && !routes.hasRoute(method as 'GET', route.url)) {
        routes.on(method as 'GET', route.url, () => undefined);
      }
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error');
    else if (reply.statusCode < 500) request.log.debug({ err: error }, 'request failed');
    return sendProblem(request, reply, appError);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((m) => routes.find(m, path) !== null);
    if (allowed.length > 0) {
      return sendProblem(
        request,
        reply,
        new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here.`, {
          headers: { allow: allowed.join(', ') },
        }),
      );
    }
    return sendProblem(
      request,
      reply,
      new AppError('NOT_FOUND', `There is no route ${request.method} ${path}.`),
    );
  });
});
