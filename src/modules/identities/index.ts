// The identities module's public surface.
export { createOidcClients, identitiesModule, type IdentitiesDeps } from './identities.module.ts';
