// Hand-made JWTs for attack tests: compact JWS built byte by byte (so that `alg: none` or an HMAC keyed
// with our public key can be produced, which a careful library refuses to make), and tokens signed with
// the server's own key but carrying whatever claims a test needs.
import { createHmac } from 'node:crypto';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import type { SigningKeyStore } from '../../src/modules/auth/tokens/signing-keys.ts';

export const b64url = (value: object | string | Buffer): string =>
  Buffer.from(Buffer.isBuffer(value) || typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );

/**
 * The token with one bit of its signature flipped (in the middle, where every base64url character is
 * significant), so the result always differs from a valid signature, unlike editing the last characters.
 */
export function flipSignatureBit(token: string): string {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) throw new Error(`not a compact JWS: ${token}`);
  const signature = Buffer.from(s, 'base64url');
  signature[signature.length >> 1]! ^= 1;
  return `${h}.${p}.${signature.toString('base64url')}`;
}

/** The decoded header and payload of a compact JWS (no verification). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: JWTPayload } {
  const [header, payload] = token.split('.');
  if (!header || !payload) throw new Error(`not a compact JWS: ${token}`);
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload,
  };
}

/**
 * A compact JWS from its parts; `sign` gets the signing input (`header.payload`) and returns the raw
 * signature (empty for `alg: none`).
 * @example compactJws({ alg: 'none' }, claims, () => Buffer.alloc(0))
 */
export function compactJws(header: object, payload: object, sign: (input: string) => Buffer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${sign(input).toString('base64url')}`;
}

/** An HS256/384/512 token keyed with `secret`: the algorithm-confusion attack when it is our public key. */
export function hmacJws(
  alg: 'HS256' | 'HS384' | 'HS512',
  header: object,
  payload: object,
  secret: string | Buffer,
) {
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return compactJws({ ...header, alg }, payload, (input) => createHmac(hash, secret).update(input).digest());
}

/** A token signed with the server's current signing key, with the claims and header the test wants. */
export async function signWithServerKey(
  keys: SigningKeyStore,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const { kid, key } = await keys.signingKey();
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt', ...header }).sign(key);
}

/** The published JWK whose `kid` signed the token. */
export function jwkFor(jwks: { keys: JWK[] }, token: string): JWK {
  const kid = decodeJwt(token).header.kid;
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error(`kid ${String(kid)} is not in the JWKS`);
  return jwk;
}
