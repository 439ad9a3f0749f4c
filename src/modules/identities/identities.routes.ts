import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../core/config/config.ts';
import { AppError, forbidden } from '../../core/errors/app-error.ts';
import { clearCookie, readCookie, setCookie } from '../../core/http/cookies.ts';
import { ANY_PRINCIPAL } from '../../core/http/openapi.plugin.ts';
import { problemResponses } from '../../core/http/schemas.ts';
import type { Limiter } from '../../core/rate-limit/limiter.ts';
import { principalOf, SECURED, type Guard, type Principal } from '../../core/principal.ts';
import { Account, toAccountView } from '../accounts/index.ts';
import * as s from './identities.schemas.ts';
import {
  AUTHORIZATION_TTL_SECONDS,
  completeAuthorization,
  startAuthorization,
  type IdentitiesRuntime,
} from './identities.service.ts';
import { listLinks, unlink } from './links.service.ts';

/** Holds the `state` in the browser that started the request, to bind the callback to it. */
export const STATE_COOKIE = 'bulwark_oauth_state';

const TOO_MANY_STARTS = 'Too many sign-ins started from this address; try again later.';

const Redirect = Type.Null({ description: 'Redirect (Location header)' });

/** External sign-in and linking (/v1/auth/oauth/…) and an account's links (/v1/accounts/{id}/links). */
export const identitiesRoutes: FastifyPluginAsyncTypebox<{
  ir: IdentitiesRuntime;
  guard: Guard;
  starts: Limiter;
}> = async (app, { ir, guard, starts }) => {
  if (!app.getSchema('Account')) app.addSchema(Account);
  for (const schema of [s.LinkedIdentity, s.LinkedIdentityList, s.OAuthCallbackResult]) app.addSchema(schema);
  const { config } = ir;
  const tags = ['identities'];

  app.get(
    '/v1/auth/oauth/:provider/authorize',
    {
      schema: {
        tags,
        summary: 'Start signing in with a provider; with a credential, start linking it to that account',
        security: [{}, ...ANY_PRINCIPAL],
        params: s.ProviderParam,
        querystring: s.AuthorizeQuery,
        response: { 302: Redirect, ...problemResponses(401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = await optionalPrincipal(request);
      // Each start writes a row: anonymous ones are bounded per address (OAUTH_START_THROTTLE).
      if (principal) assertDeliberateLink(request, principal);
      else await starts.consume(`ip:${request.ip}`, TOO_MANY_STARTS);
      const { provider } = request.params;
      const { url, state } = await startAuthorization(ir, provider, principal, request.query.redirect_to);
      setCookie(reply, STATE_COOKIE, state, stateCookie(config, provider, AUTHORIZATION_TTL_SECONDS));
      return reply.header('cache-control', 'no-store').redirect(url.href, 302);
    },
  );

  app.get(
    '/v1/auth/oauth/:provider/callback',
    {
      schema: {
        tags,
        summary:
          "The provider's redirect back: links the identity, or signs its account in with a session cookie",
        params: s.ProviderParam,
        querystring: s.CallbackQuery,
        response: {
          200: Type.Ref('OAuthCallbackResult'),
          302: Redirect,
          ...problemResponses(400, 403, 404, 409, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const browserState = readCookie(request, STATE_COOKIE);
      // The state cookie has done its job whatever the outcome (its path names a configured provider only).
      if (ir.providers.has(provider)) clearCookie(reply, STATE_COOKIE, stateCookie(config, provider, 0));
      reply.header('cache-control', 'no-store');
      const outcome = await completeAuthorization(ir, provider, {
        query: request.query,
        rawQuery: new URL(request.url, 'http://callback').search,
        browserState,
        client: { ip: request.ip, userAgent: request.headers['user-agent'] },
      });
      if (outcome.kind === 'signed_in') ir.auth.setSessionCookies(reply, outcome.cookie, outcome.csrfToken);
      if (outcome.redirectTo) return reply.redirect(outcome.redirectTo, 302);
      return outcome.kind === 'signed_in'
        ? { user: toAccountView(outcome.account), csrf_token: outcome.csrfToken }
        : { link: s.toLinkView(outcome.link) };
    },
  );

  app.get(
    '/v1/accounts/:id/links',
    {
      preHandler: guard({ scope: 'accounts:read' }),
      schema: {
        tags,
        summary: "An account's linked identities (itself or an admin)",
        security: SECURED,
        params: s.AccountParam,
        response: { 200: Type.Ref('LinkedIdentityList'), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const rows = await listLinks(ir, principalOf(request), request.params.id);
      return { items: rows.map(s.toLinkView), next_cursor: null };
    },
  );

  app.delete(
    '/v1/accounts/:id/links/:link_id',
    {
      preHandler: guard({ scope: 'accounts:write' }),
      schema: {
        tags,
        summary: 'Unlink an identity (not the last way in to an account without a password: 409)',
        security: SECURED,
        params: s.LinkParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await unlink(ir, principalOf(request), request.params.id, request.params.link_id);
      return reply.code(204).send(null);
    },
  );

  /**
   * A link lets the provider's identity sign in to the account later, so a page of another site must not
   * start one with the browser's ambient credentials — a top-level GET carries the Lax session cookie (and
   * cached Basic credentials). With a session cookie the request must carry the session's CSRF token
   * (`csrf_token`, or the X-CSRF-Token header); Basic cannot start a link; bearer tokens and API keys are
   * never sent by a browser on its own.
   */
  function assertDeliberateLink(
    request: FastifyRequest<{ Querystring: { csrf_token?: string } }>,
    p: Principal,
  ) {
    if (p.authMethod === 'basic') {
      throw forbidden(
        'Start a link with a bearer token, an API key, or a session cookie and its CSRF token.',
      );
    }
    if (p.authMethod !== 'session' || !p.sessionId) return;
    const presented = request.query.csrf_token ?? request.headers['x-csrf-token'];
    if (!ir.auth.checkCsrfToken(p.sessionId, presented)) {
      throw forbidden(
        "Linking with a session cookie needs the session's CSRF token in csrf_token (or X-CSRF-Token).",
      );
    }
  }

  /** The caller, when it sent a credential; a stale session cookie alone just means "not signed in". */
  async function optionalPrincipal(request: FastifyRequest): Promise<Principal | undefined> {
    const { authorization, 'x-auth': xAuth, 'x-api-key': xApiKey } = request.headers;
    const explicit = authorization !== undefined || xAuth !== undefined || xApiKey !== undefined;
    try {
      return await ir.auth.authenticate(request);
    } catch (error) {
      if (!explicit && error instanceof AppError && error.code === 'UNAUTHENTICATED') return undefined;
      throw error;
    }
  }
};

// SameSite=Lax: the provider sends the browser back with a top-level GET, which Lax cookies accompany.
function stateCookie(config: Config, provider: string, maxAge: number) {
  // The path the browser sees: under PUBLIC_URL's own path when a proxy serves Bulwark below one.
  const path = `${new URL(config.publicUrl).pathname.replace(/\/$/, '')}/v1/auth/oauth/${provider}/callback`;
  return { path, httpOnly: true, sameSite: 'lax' as const, secure: config.env === 'production', maxAge };
}
