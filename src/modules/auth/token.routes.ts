import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { problemResponses } from '../../core/http/schemas.ts';
import { OAuthError, RefreshBody, TokenBody, TokenResponse, Jwks } from './auth.schemas.ts';
import { OAuthFailure, passwordGrant, refreshGrant, type AuthRuntime } from './auth.service.ts';
import type { SigningKeyStore } from './tokens/signing-keys.ts';

/** The OAuth 2.0 token endpoint, the refresh shortcut and the JWKS. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ rt: AuthRuntime; keys: SigningKeyStore }> = async (
  app,
  { rt, keys },
) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  app.addSchema(TokenBody);
  app.addSchema(TokenResponse);
  app.addSchema(OAuthError);
  app.addSchema(RefreshBody);
  app.addSchema(Jwks);

  // A body that does not parse (broken JSON or form) gets the endpoints' own RFC 6749 answer; anything else
  // (415, 413, …) goes on to the app's problem+json handler.
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error.statusCode !== 400) throw error;
    return reply
      .code(400)
      .header('cache-control', 'no-store')
      .send({ error: 'invalid_request', error_description: 'The request body could not be parsed.' });
  });

  const answer = async (reply: FastifyReply, run: () => Promise<unknown>) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof OAuthFailure)) throw error;
      if (error.status === 401)
        reply.header('www-authenticate', `Bearer realm="bulwark", error="${error.error}"`);
      return reply.code(error.status).send({ error: error.error, error_description: error.message });
    }
  };

  app.post(
    '/v1/auth/token',
    {
      attachValidation: true,
      schema: {
        tags: ['auth'],
        summary: 'OAuth 2.0 token endpoint: password and refresh_token grants (form or JSON)',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenBody,
        response: {
          200: TokenResponse,
          400: Type.Ref('OAuthError'),
          401: Type.Ref('OAuthError'),
          429: problemResponses(429)[429]!,
        },
      },
    },
    async (request, reply) =>
      answer(reply, async () => {
        if (request.validationError)
          throw new OAuthFailure(400, 'invalid_request', 'Malformed token request.');
        const body = request.body;
        // FastAPI's OAuth2PasswordRequestForm clients omit grant_type: it means `password`.
        const grant = body.grant_type ?? 'password';
        if (grant === 'password') {
          return passwordGrant(rt, body, { ip: request.ip, userAgent: request.headers['user-agent'] });
        }
        if (grant === 'refresh_token') return refreshGrant(rt, body.refresh_token);
        throw new OAuthFailure(
          400,
          'unsupported_grant_type',
          `grant_type ${JSON.stringify(grant)} is not supported.`,
        );
      }),
  );

  app.post(
    '/v1/auth/refresh',
    {
      attachValidation: true,
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token for a new pair (the old one is spent)',
        body: RefreshBody,
        response: { 200: TokenResponse, 400: Type.Ref('OAuthError'), 401: Type.Ref('OAuthError') },
      },
    },
    async (request, reply) =>
      answer(reply, async () => {
        if (request.validationError)
          throw new OAuthFailure(400, 'invalid_request', 'refresh_token is required.');
        return refreshGrant(rt, request.body.refresh_token);
      }),
  );

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['auth'],
        summary: 'Public keys that sign access tokens',
        response: { 200: Type.Ref('JWKS') },
      },
    },
    async (_request, reply) => {
      await keys.checkActiveKey();
      reply.header('cache-control', 'public, max-age=300');
      return keys.jwks();
    },
  );
};
