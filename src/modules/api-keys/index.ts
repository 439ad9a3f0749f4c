// The API-keys module's public surface: the plugin, and the verification the authenticator calls.
export { apiKeysModule, type ApiKeysDeps } from './api-keys.module.ts';
export { verifyApiKey, type VerifiedApiKey } from './api-keys.service.ts';
export { touch, TOUCH_INTERVAL_MS } from './api-keys.repository.ts';
