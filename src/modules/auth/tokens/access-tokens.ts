import { sign, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { newId } from '../../../core/ids.ts';
import type { SigningKeyStore } from './signing-keys.ts';
import { TOKEN_ALGORITHM } from './signing-keys.ts';

export interface AccessTokenClaims {
  readonly sub: string;
  readonly sid: string;
  readonly jti: string;
  readonly scope: string;
  readonly iat: number;
  readonly exp: number;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly jti: string;
}

export type TokenRejection = 'expired' | 'invalid';

export class AccessTokenError extends Error {
  readonly reason: TokenRejection;
  constructor(reason: TokenRejection, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface AccessTokenOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

const CLOCK_TOLERANCE_SECONDS = 5;
const CACHE_LIMIT = 10_000;

/**
 * Issues and verifies access tokens: EdDSA JWTs with `kid`, `iss`, `aud`, `sub`, `sid`, `exp`, `iat`,
 * `jti`, `scope`. Verification pins the algorithm (no `none`, no HMAC with a public key) and checks
 * issuer, audience and expiry with a small clock skew. A verified token is remembered until it expires,
 * so a client reusing its token costs one map lookup, not a signature check; revocation is checked apart.
 */
export class AccessTokens {
  private readonly verified = new Map<string, AccessTokenClaims>();
  private lastUnknownKidReload = 0;
  private readonly keys: SigningKeyStore;
  private readonly options: AccessTokenOptions;

  constructor(keys: SigningKeyStore, options: AccessTokenOptions) {
    this.keys = keys;
    this.options = options;
  }

  async issue(subject: string, sessionId: string, scope: readonly string[]): Promise<IssuedAccessToken> {
    const { kid, key } = await this.keys.signingKey();
    // A UUIDv7 jti encodes the issue time in milliseconds; `iat` has only seconds (see revocation).
    const jti = newId();
    const iat = Math.floor(Date.now() / 1000);
    const token = signCompact({ alg: TOKEN_ALGORITHM, kid, typ: 'at+jwt' }, key, {
      scope: scope.join(' '),
      sid: sessionId,
      iss: this.options.issuer,
      aud: this.options.audience,
      sub: subject,
      jti,
      iat,
      exp: iat + this.options.ttlSeconds,
    });
    return { token, expiresIn: this.options.ttlSeconds, jti };
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.exp + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) return cached;
      this.verified.delete(token);
      throw new AccessTokenError('expired', 'The access token has expired.');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.keyFor(header.kid), {
        algorithms: [TOKEN_ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        typ: 'at+jwt',
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new AccessTokenError('expired', 'The access token has expired.');
      throw new AccessTokenError('invalid', 'The access token is not valid.');
    }
    const claims = toClaims(payload);
    if (!claims) throw new AccessTokenError('invalid', 'The access token is not valid.');
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private async keyFor(kid: string | undefined) {
    if (!kid) throw new AccessTokenError('invalid', 'The access token names no key.');
    await this.keys.init();
    let key = this.keys.verifyKey(kid);
    // Another instance may have rotated: the active-key check (bounded) finds a new key at once.
    if (!key) {
      await this.keys.checkActiveKey();
      key = this.keys.verifyKey(kid);
    }
    // Otherwise reload all, but at most every few seconds, whatever tokens arrive.
    if (!key && Date.now() - this.lastUnknownKidReload > 5000) {
      this.lastUnknownKidReload = Date.now();
      await this.keys.reload();
      key = this.keys.verifyKey(kid);
    }
    if (!key) throw new AccessTokenError('invalid', 'The access token was signed by an unknown key.');
    return key;
  }
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS (RFC 7515 §7.1) with an Ed25519 signature made by node:crypto, synchronously. jose signs
 * through WebCrypto, which runs every signature as a libuv thread-pool job; on a server hashing passwords
 * that job waits behind argon2 hashes (≈ 10–15 ms each), delaying every token issued, refresh grants
 * included, and costs twice the CPU. Verification stays with jose (and a test checks our tokens with a
 * second library).
 */
function signCompact(header: object, key: KeyObject, payload: object): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

function toClaims(payload: JWTPayload): AccessTokenClaims | undefined {
  const { sub, jti, iat, exp } = payload;
  const sid = payload.sid;
  const scope = payload.scope ?? '';
  if (
    typeof sub !== 'string' ||
    typeof jti !== 'string' ||
    typeof sid !== 'string' ||
    typeof scope !== 'string'
  ) {
    return undefined;
  }
  if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  return { sub, sid, jti, scope, iat, exp };
}

/** Milliseconds since the epoch encoded in a UUIDv7 (its first 48 bits). */
export function uuidv7Time(id: string): number {
  // The canonical form (every jti we issue) without a regex per request: the first twelve hex digits are
  // the eight before the first dash and the four after it. Anything else as before.
  if (id.indexOf('-') === 8 && id.indexOf('-', 9) === 13)
    return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
