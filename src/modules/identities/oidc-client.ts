import * as oidc from 'openid-client';
import type { OidcProviderConfig } from '../../core/config/config.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { randomToken } from '../../core/crypto/tokens.ts';

/** What a provider vouched for, from a verified ID token (and its UserInfo when the token is terse). */
export interface ExternalIdentity {
  readonly subject: string;
  readonly email: string | null;
  /** True only when the provider said `email_verified: true` (a string "true" does not count). */
  readonly emailVerified: boolean;
  readonly name: string | null;
}

/** A fresh authorization request: the URL to send the browser to and the secrets to keep server side. */
export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export interface OidcClientOptions {
  readonly redirectUri: string;
  /** Plain-http issuer allowed (loopback, or outside production); see `httpAllowed`. */
  readonly allowHttp: boolean;
  /** Bound on each request to the provider (discovery, token, UserInfo, JWKS). */
  readonly timeoutSeconds: number;
}

/** Plain http to a provider: only to loopback, or outside production (dev and test providers). */
export function httpAllowed(issuer: string, env: string): boolean {
  const { hostname } = new URL(issuer);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
  return loopback || env !== 'production';
}

/**
 * The relying party for one configured provider, on openid-client: discovery on first use (cached; a
 * failure is retried by the next request), authorization code + PKCE (S256) + nonce + state, and ID token
 * validation (signature, issuer, audience, nonce, expiry).
 */
export class OidcClient {
  readonly settings: OidcProviderConfig;
  private readonly options: OidcClientOptions;
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(settings: OidcProviderConfig, options: OidcClientOptions) {
    this.settings = settings;
    this.options = options;
  }

  get name(): string {
    return this.settings.name;
  }

  /** A new authorization request; nothing of it is stored here. */
  async authorize(): Promise<AuthorizationRequest> {
    const config = await this.discover();
    const state = randomToken(32);
    const nonce = randomToken(32);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const scopes = new Set(['openid', ...(this.settings.scopes ?? ['email', 'profile'])]);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      response_type: 'code',
      scope: [...scopes].join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url, state, nonce, codeVerifier };
  }

  /** Exchanges the callback's code (with the PKCE verifier) and returns the verified identity. */
  async exchange(
    callbackQuery: string,
    pending: { state: string; nonce: string; codeVerifier: string },
  ): Promise<ExternalIdentity> {
    const config = await this.discover();
    // The redirect_uri sent to the token endpoint is derived from this URL: build it from PUBLIC_URL,
    // never from the request's Host header.
    const currentUrl = new URL(this.options.redirectUri);
    currentUrl.search = callbackQuery;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      // Many providers put email claims only in UserInfo (OIDC Core 5.4 when an access token is issued).
      const source =
        claims.email === undefined && config.serverMetadata().userinfo_endpoint
          ? await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
          : claims;
      return {
        subject: claims.sub,
        email: emailOf(source.email),
        emailVerified: source.email_verified === true,
        name: typeof source.name === 'string' && source.name.trim() ? source.name.trim().slice(0, 200) : null,
      };
    } catch (error) {
      throw providerFailure(error, this.name);
    }
  }

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= this.runDiscovery().catch((error: unknown) => {
      this.configuration = undefined;
      throw new AppError(
        'UNAVAILABLE',
        `The sign-in provider "${this.name}" cannot be reached; try again later.`,
        {
          cause: error,
        },
      );
    });
    return this.configuration;
  }

  private runDiscovery(): Promise<oidc.Configuration> {
    const { issuer, client_id: clientId, client_secret: secret } = this.settings;
    return oidc.discovery(new URL(issuer), clientId, { client_secret: secret }, clientAuth(secret), {
      timeout: this.options.timeoutSeconds,
      execute: this.options.allowHttp ? [oidc.allowInsecureRequests] : [],
    });
  }
}

/** client_secret_basic (the default of RFC 6749 and OIDC) unless the provider only takes client_secret_post. */
function clientAuth(secret: string): oidc.ClientAuth {
  const basic = oidc.ClientSecretBasic(secret);
  const post = oidc.ClientSecretPost(secret);
  return (as, client, body, headers) => {
    const methods = as.token_endpoint_auth_methods_supported;
    const chosen = !methods || methods.includes('client_secret_basic') ? basic : post;
    chosen(as, client, body, headers);
  };
}

function emailOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim();
  return email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
}

/** Provider trouble is a 4xx (refused, forged, unverifiable) or a 503 (unreachable), never a 500. */
function providerFailure(error: unknown, provider: string): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError) {
    return new AppError('BAD_REQUEST', `The provider "${provider}" refused the sign-in (${error.error}).`, {
      cause: error,
    });
  }
  const unreachable =
    (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) ||
    (error instanceof TypeError && error.cause !== undefined) ||
    (error instanceof oidc.ClientError &&
      (error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || error.code === 'OAUTH_RESPONSE_IS_NOT_JSON'));
  if (unreachable) {
    return new AppError(
      'UNAVAILABLE',
      `The sign-in provider "${provider}" cannot be reached; try again later.`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof oidc.ClientError || error instanceof oidc.WWWAuthenticateChallengeError) {
    return new AppError('BAD_REQUEST', `The answer of the provider "${provider}" could not be verified.`, {
      cause: error,
    });
  }
  return error;
}
