import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/config.ts';
import { ProblemSchema } from './schemas.ts';

export const SESSION_COOKIE = 'bulwark_session';
export const CSRF_COOKIE = 'bulwark_csrf';

/** The security schemes every protected route lists; "Authorize" in Swagger UI offers each. */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from /v1/auth/token',
  },
  apiKeyAuth: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Auth',
    description: 'API key (bwk_…); X-API-Key also works',
  },
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'Session cookie from POST /v1/auth/login; unsafe methods also need X-CSRF-Token',
  },
  basicAuth: { type: 'http', scheme: 'basic', description: 'Email and password (when BASIC_AUTH=on)' },
  oauth2: {
    type: 'oauth2',
    description: 'OAuth 2.0 password grant',
    flows: { password: { tokenUrl: '/v1/auth/token', refreshUrl: '/v1/auth/token', scopes: {} } },
  },
} as const;

/** `security` for a route any signed-in principal may call, whichever scheme it uses. */
export const ANY_PRINCIPAL = Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: [] }));

export const API_VERSION = '0.1.0';

// Swagger UI's bundle briefly renders its own logo, an inline <svg> holding a <style> element, before the
// configured logo replaces it. `staticCSP: true` allows no inline style, so allow exactly that one by hash
// (test/e2e/swagger-ui.test.ts fails on any CSP violation, e.g. after an upgrade changes the logo).
const SWAGGER_UI_LOGO_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

type Content = Record<string, { schema?: { $ref?: string } }>;
type Operation = { responses?: Record<string, { content?: Content }> };
type OpenApiDocument = { paths?: Record<string, Record<string, Operation>> };

const PROBLEM_REF = '#/components/schemas/Problem';

/**
 * Declares every problem response `application/problem+json`, as it is sent (@fastify/swagger knows one
 * media type for every response). Other error bodies, such as the token endpoint's RFC 6749 errors, stay
 * `application/json`.
 * @example problemMediaTypes(app.swagger()).paths['/v1/accounts'].post.responses['422'].content
 *   // { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
 */
export function problemMediaTypes<T extends OpenApiDocument>(document: T): T {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (!response.content || json?.schema?.$ref !== PROBLEM_REF) continue;
        const { 'application/json': _, ...others } = response.content;
        response.content = { 'application/problem+json': json, ...others };
      }
    }
  }
  return document;
}

/** Generates the OpenAPI 3.1 document from the route schemas and serves it with Swagger UI at /docs. */
export const openapiPlugin = fp<{ config: Config }>(async (app: FastifyInstance, { config }) => {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Bulwark',
        version: API_VERSION,
        description:
          'Accounts and sign-in, a certificate authority, GraphQL over animals, model serving and recommendations.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: config.publicUrl }],
      components: { securitySchemes: SECURITY_SCHEMES as never },
    },
    transformObject: (document) =>
      'openapiObject' in document
        ? (problemMediaTypes(document.openapiObject as OpenApiDocument) as never)
        : document.swaggerObject,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) =>
      header.replace(
        /style-src([^;]*)/,
        (_, sources: string) => `style-src ${sources.trim()} ${SWAGGER_UI_LOGO_STYLE}`,
      ),
    uiConfig: { persistAuthorization: true, displayRequestDuration: true, tryItOutEnabled: true },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
