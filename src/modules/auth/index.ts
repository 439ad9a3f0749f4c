// The auth module's public surface: other modules and the composition root import from here, never from
// the files behind it. Principal, scopes, `principalOf` and the `Guard` type live in core (every module
// needs them, and modules must not depend on auth's internals); they are re-exported for convenience.
export { authModule, createAuth, type AuthApi } from './auth.module.ts';
export { ACTIVE_KEY_CHECK_MS, resealSigningKeys, SigningKeyStore } from './tokens/signing-keys.ts';
export type { ClientInfo } from './sessions.service.ts';
export {
  actsAsAdmin,
  canActFor,
  isAdmin,
  principalOf,
  SECURED,
  type AuthMethod,
  type Guard,
  type Principal,
  type PrincipalAccount,
  type Requirement,
} from '../../core/principal.ts';
export { isScope, SCOPES, type Scope } from '../../core/scopes.ts';

// The services behind POST /v1/auth/token, for the GraphQL `login` and `refreshToken` twins.
export {
  OAuthFailure,
  passwordGrant,
  refreshGrant,
  type AuthRuntime,
  type TokenPair,
} from './auth.service.ts';
export { RegisterBody } from './auth.schemas.ts';
