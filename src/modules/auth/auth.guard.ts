import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../../core/errors/app-error.ts';
import { ANY_PRINCIPAL } from '../../core/http/openapi.plugin.ts';
import type { Authenticator } from './authenticator.ts';
import type { Principal } from './principal.ts';
import type { Scope } from './scopes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface Requirement {
  /** A scope the credential must carry (`admin` implies the admin role). */
  readonly scope?: Scope;
}

/**
 * The preHandler a protected route declares: 401 without a valid credential, 403 without the scope.
 * @example app.get('/v1/things', { preHandler: guard({ scope: 'accounts:read' }), schema: { security } }, handler)
 */
export function createGuard(authenticator: Authenticator) {
  return (requirement: Requirement = {}): preHandlerAsyncHookHandler =>
    async function guard(request: FastifyRequest) {
      const principal = await authenticator.authenticate(request);
      if (!principal) throw authenticator.unauthenticated('Authentication is required.');
      if (requirement.scope && !principal.scopes.includes(requirement.scope)) {
        throw new AppError('FORBIDDEN', `This needs the ${requirement.scope} scope.`);
      }
      request.principal = principal;
    };
}

/** The principal a guarded handler runs for. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Authentication is required.');
  return request.principal;
}

/** The OpenAPI `security` of a guarded route: every scheme works. */
export const SECURED = ANY_PRINCIPAL;
