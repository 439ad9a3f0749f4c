import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors/app-error.ts';
import type { Guard, Requirement } from '../../core/principal.ts';
import type { Authenticator } from './authenticator.ts';

export { principalOf, SECURED, type Requirement } from '../../core/principal.ts';

/**
 * Builds the guard every module receives: `guard({ scope })` is the preHandler of a protected route — 401
 * without a valid credential, 403 without the scope.
 * @example app.get('/v1/things', { preHandler: guard({ scope: 'accounts:read' }), schema: { security } }, handler)
 */
export function createGuard(authenticator: Authenticator): Guard {
  return (requirement: Requirement = {}) =>
    async function guard(request: FastifyRequest) {
      const principal = await authenticator.authenticate(request);
      if (!principal) throw authenticator.unauthenticated('Authentication is required.');
      if (requirement.scope && !principal.scopes.includes(requirement.scope)) {
        throw new AppError('FORBIDDEN', `This needs the ${requirement.scope} scope.`);
      }
      request.principal = principal;
    };
}
