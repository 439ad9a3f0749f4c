import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors/app-error.ts';
import type { Limiter } from '../../core/rate-limit/limiter.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import {
  Account,
  createAccount,
  toAccountView,
  UserEnvelope,
  type AccountsRuntime,
} from '../accounts/index.ts';
import * as sessionRepo from './sessions.repository.ts';
import { LoginBody, Me, RegisterBody, SessionList, SessionView } from './auth.schemas.ts';
import { login, logout, revokeOwnSession, type AuthRuntime } from './auth.service.ts';
import { principalOf, SECURED, type createGuard } from './auth.guard.ts';
import { clearSessionCookies, setSessionCookies } from './session-cookies.ts';
import { requireRecentPassword } from './reauth.ts';

interface Options {
  rt: AuthRuntime;
  guard: ReturnType<typeof createGuard>;
  /** REGISTER_THROTTLE, per client address. */
  registrations: Limiter;
}

const TOO_MANY_REGISTRATIONS = 'Too many registrations from this address; try again later.';

/** Registration, cookie sign-in, sign-out, the caller's principal and sessions. */
export const authRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { rt, guard, registrations }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  for (const schema of [Account, UserEnvelope, RegisterBody, LoginBody, Me, SessionView, SessionList])
    app.addSchema(schema);
  const tags = ['auth'];
  // Self-registration is account creation with the defaults, through the accounts module's service.
  const accounts: AccountsRuntime = {
    db: rt.db,
    events: rt.events,
    hasher: rt.hasher,
    forgetAccount: (id) => rt.authenticator.forgetAccount(id),
    reauthenticate: (principal, password, ip) => requireRecentPassword(rt, principal, password, ip),
  };
  const client = (request: { ip: string; headers: { 'user-agent'?: string } }) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  });

  app.post(
    '/v1/auth/register',
    {
      schema: {
        tags,
        summary: 'Create an account (a verification mail is sent)',
        body: RegisterBody,
        response: { 201: UserEnvelope, ...problemResponses(400, 409, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      // Counted per address before the password is hashed (the costly part, done before the duplicate check).
      await registrations.consume(`ip:${request.ip}`, TOO_MANY_REGISTRATIONS);
      // Self-registration is account creation with the defaults (role `user`), through the same service.
      const account = await createAccount(accounts, request.body);
      return reply.code(201).send({ user: toAccountView(account) });
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with a session cookie (form or JSON); unsafe requests then need X-CSRF-Token',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: LoginBody,
        response: {
          200: Type.Object({ user: Type.Ref('Account'), csrf_token: Type.String() }),
          ...problemResponses(400, 401, 403, 422, 429),
        },
      },
    },
    async (request, reply) => {
      // Login CSRF: a cross-site form must not sign the browser in to an account of the attacker's choosing.
      rt.authenticator.assertAllowedOrigin(request, { required: false });
      const email = request.body.email ?? request.body.username;
      if (!email) {
        throw new AppError('VALIDATION_FAILED', 'email (or username) is required.', {
          errors: [{ path: '/body/email', message: 'is required' }],
        });
      }
      const result = await login(rt, email, request.body.password, client(request));
      setSessionCookies(reply, rt.config, result.cookie, result.csrfToken);
      return { user: toAccountView(result.account), csrf_token: result.csrfToken };
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary: 'End the current session or refresh-token family',
        security: SECURED,
        response: { 204: Type.Null(), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await logout(rt, principalOf(request));
      clearSessionCookies(reply, rt.config);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/auth/me',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary: 'Who am I, and how did I sign in',
        security: SECURED,
        response: { 200: Me, ...problemResponses(401) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return {
        id: p.account.id,
        email: p.account.email,
        name: p.account.name,
        roles: [...p.roles],
        email_verified: p.account.emailVerified,
        created_at: p.account.createdAt.toISOString(),
        auth_method: p.authMethod,
        scopes: [...p.scopes],
      };
    },
  );

  app.get(
    '/v1/auth/sessions',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary: 'My live sessions',
        security: SECURED,
        response: { 200: SessionList, ...problemResponses(401) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const rows = await sessionRepo.listLiveSessions(rt.db, p.account.id);
      return {
        items: rows.map((s) => ({
          id: s.id,
          kind: s.kind,
          created_at: s.createdAt.toISOString(),
          last_used_at: s.lastUsedAt.toISOString(),
          expires_at: s.expiresAt.toISOString(),
          user_agent: s.userAgent,
          ip: s.ip,
          current: s.id === p.sessionId,
        })),
        next_cursor: null,
      };
    },
  );

  app.delete(
    '/v1/auth/sessions/:id',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary: 'Revoke one of my sessions',
        security: SECURED,
        params: IdParam,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await revokeOwnSession(rt, principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
