import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { OidcProviderConfig } from '../../src/core/config/config.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { Browser, locationOf, type BrowserResponse } from './fixtures/browser.ts';
import {
  startOpenIdProvider,
  type TestOpenIdProvider,
  type TestProfile,
} from './fixtures/openid-provider.ts';

/** Fast hashing and no sign-in throttle. */
const TEST_ENV = { RATE_LIMIT: 'off', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

export interface OAuthHarness extends TestApp {
  /** PUBLIC_URL: Bulwark listens there for real, so the provider's redirects reach it. */
  readonly publicUrl: string;
  /** `alpha` gives email claims through UserInfo only, `beta` in the ID token. */
  readonly providers: Record<'alpha' | 'beta', TestOpenIdProvider>;
  /** Sets who `subject` is at a provider, and returns the subject. */
  user(provider: 'alpha' | 'beta', subject: string, profile: TestProfile): string;
  /** The whole dance in a browser: authorize → provider login and consent → callback. */
  signIn(
    provider: string,
    subject: string,
    options?: {
      browser?: Browser;
      headers?: Record<string, string>;
      redirectTo?: string;
      /** More query parameters for the authorize request (`csrf_token`). */
      query?: Record<string, string>;
    },
  ): Promise<{
    authorize: BrowserResponse;
    back: BrowserResponse;
    callback: BrowserResponse;
    browser: Browser;
  }>;
}

/** Two providers on loopback and a listening Bulwark that trusts both (OIDC_CREATE_ACCOUNTS on by default). */
export async function startHarness(
  env: Record<string, string> = {},
  options: { extraProviders?: readonly OidcProviderConfig[] } = {},
): Promise<OAuthHarness> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const callback = (name: string) => `${publicUrl}/v1/auth/oauth/${name}/callback`;
  const alpha = await startOpenIdProvider({ redirectUris: [callback('alpha')] });
  const beta = await startOpenIdProvider({ redirectUris: [callback('beta')], claimsInIdToken: true });
  const providers = { alpha, beta };
  const settings = Object.entries(providers).map(([name, p]) => ({
    name,
    issuer: p.issuer,
    client_id: p.clientId,
    client_secret: p.clientSecret,
  }));
  settings.push(...(options.extraProviders ?? []));
  const t = await buildTestApp({
    ...TEST_ENV,
    PUBLIC_URL: publicUrl,
    OIDC_PROVIDERS: JSON.stringify(settings),
    OIDC_CREATE_ACCOUNTS: 'on',
    ...env,
  });
  await t.app.listen({ port, host: '127.0.0.1' });

  const harness: OAuthHarness = {
    ...t,
    publicUrl,
    providers,
    user(provider, subject, profile) {
      providers[provider].users.set(subject, profile);
      return subject;
    },
    async signIn(provider, subject, options = {}) {
      const browser = options.browser ?? new Browser();
      const params = new URLSearchParams(options.query);
      if (options.redirectTo) params.set('redirect_to', options.redirectTo);
      const query = params.size > 0 ? `?${params.toString()}` : '';
      const authorize = await browser.request(`${publicUrl}/v1/auth/oauth/${provider}/authorize${query}`, {
        headers: options.headers,
      });
      if (authorize.status !== 302) throw new Error(`authorize: ${authorize.status} ${authorize.body}`);
      const back = await browser.atProvider(locationOf(authorize), subject);
      const callback = await browser.follow(back);
      return { authorize, back, callback, browser };
    },
    async close() {
      await t.close();
      await Promise.all([alpha.close(), beta.close()]);
    },
  };
  return harness;
}

/** A port free right now (the app must know its PUBLIC_URL before it listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let sequence = 0;
/** A subject no other test uses. */
export const uniqueSubject = (prefix = 'sub'): string =>
  `${prefix}-${process.pid}-${++sequence}-${Date.now().toString(36)}`;
