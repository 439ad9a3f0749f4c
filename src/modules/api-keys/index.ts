// The API-keys module's public surface: the plugin, the verification the authenticator calls, and the
// revocation of every key of an account that a password reset does.
export { apiKeysModule, type ApiKeysDeps } from './api-keys.module.ts';
export { revokeAllApiKeys, verifyApiKey, type VerifiedApiKey } from './api-keys.service.ts';
export { touch, TOUCH_INTERVAL_MS } from './api-keys.repository.ts';
