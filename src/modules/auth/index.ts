// The auth module's public surface: other modules import from here, never from the files behind it.
export { principalOf, SECURED } from './auth.guard.ts';
export type { Requirement } from './auth.guard.ts';
export { actsAsAdmin, canActFor, isAdmin } from './principal.ts';
export type { AuthMethod, Principal, PrincipalAccount } from './principal.ts';
export { SCOPES, isScope } from './scopes.ts';
export type { Scope } from './scopes.ts';
export type { createGuard } from './auth.guard.ts';

import type { createGuard } from './auth.guard.ts';
/** `guard({ scope })`: the preHandler of a protected route (401 without a credential, 403 without the scope). */
export type Guard = ReturnType<typeof createGuard>;

// The services behind POST /v1/auth/register and POST /v1/auth/token, for the GraphQL twins.
export { OAuthFailure, passwordGrant, refreshGrant } from './auth.service.ts';
export type { AuthRuntime, TokenPair } from './auth.service.ts';
export { RegisterBody } from './auth.schemas.ts';
export { createAccount } from '../accounts/accounts.service.ts';
