import type { Config } from '../config/config.ts';

/**
 * The security headers of every response, computed once. (helmet rebuilt its policy on every request,
 * which cost about a third of a `/healthz` request.) Only headers that modern browsers act on: the
 * obsolete ones (X-XSS-Protection, X-Download-Options, …) are left out. Pages that need scripts, such as
 * Swagger UI, replace the CSP on their own routes.
 */
export function securityHeaders(config: Pick<Config, 'env'>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {
    'content-security-policy':
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
  if (config.env === 'production')
    headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return Object.freeze(headers);
}
