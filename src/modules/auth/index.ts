// The auth module's public surface: other modules import from here, never from the files behind it.
export { principalOf, SECURED } from './auth.guard.ts';
export type { Requirement } from './auth.guard.ts';
export { actsAsAdmin, canActFor, isAdmin } from './principal.ts';
export type { AuthMethod, Principal, PrincipalAccount } from './principal.ts';
export { SCOPES, isScope } from './scopes.ts';
export { REAUTHENTICATE, reauthenticationRequired, requireRecentPassword } from './reauth.ts';
export { notifyEmailChanged, requestEmailChange } from './recovery/email-change.service.ts';
export type { Scope } from './scopes.ts';
export type { createGuard } from './auth.guard.ts';

import type { createGuard } from './auth.guard.ts';
/** `guard({ scope })`: the preHandler of a protected route (401 without a credential, 403 without the scope). */
export type Guard = ReturnType<typeof createGuard>;
