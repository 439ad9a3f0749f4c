// POST /v1/auth/token (OAuth 2.0 password grant, form and JSON), the access token's shape, the JWKS, key
// rotation, and offline verification of our tokens by another JWT library.
import { createPublicKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUuid } from '../../src/core/ids.ts';
import { signingKeys } from '../../src/db/schema/signing-keys.ts';
import type { TestApp } from '../helpers/app.ts';
import { bearer, signUp, uniqueEmail, PASSWORD, type TestUser } from '../helpers/auth.ts';
import { decodeJwt, flipSignatureBit, jwkFor } from '../helpers/jwt.ts';
import { buildAuthApp, expectUnauthenticated, getMe, within } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let admin: TestUser;

beforeAll(async () => {
  t = await buildAuthApp();
  alice = await signUp(t);
  admin = await signUp(t, { admin: true });
});
afterAll(() => t?.close());

const tokenRequest = (payload: Record<string, string>, form = false) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/token',
    ...(form
      ? {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(payload).toString(),
        }
      : { payload }),
  });
const jwks = async () =>
  (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: JWK[] }>();

describe('POST /v1/auth/token, password grant', () => {
  it.each([
    ['JSON', false, { grant_type: 'password' }],
    ['form-urlencoded', true, { grant_type: 'password' }],
    ['form without grant_type (FastAPI OAuth2PasswordRequestForm)', true, {}],
    ['JSON without grant_type', false, {}],
  ])('%s → 200 with a token pair, Cache-Control: no-store', async (_name, form, extra) => {
    const res = await tokenRequest({ ...extra, username: alice.email, password: PASSWORD }, form);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      scope: expect.stringContaining('accounts:read'),
    });
    expect(res.json().scope).not.toContain('admin');
    expect((await getMe(t.app, bearer(res.json().access_token))).json()).toMatchObject({
      id: alice.id,
      auth_method: 'bearer',
    });
  });

  it('takes the email case-insensitively', async () => {
    const res = await tokenRequest({ username: alice.email.toUpperCase(), password: PASSWORD }, true);
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['a wrong password', () => ({ username: alice.email, password: 'Wr0ng-password-42' })],
    ['an unknown email', () => ({ username: uniqueEmail('ghost'), password: PASSWORD })],
  ])('%s → 401 invalid_grant with WWW-Authenticate and no-store', async (_name, body) => {
    const res = await tokenRequest({ grant_type: 'password', ...body() }, true);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="bulwark", error="invalid_grant"/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['an unknown grant_type', { grant_type: 'client_credentials' }, 'unsupported_grant_type'],
    [
      'the implicit grant',
      { grant_type: 'implicit', username: 'a@b.c', password: 'x' },
      'unsupported_grant_type',
    ],
    ['no password', { grant_type: 'password', username: 'a@example.com' }, 'invalid_request'],
    ['no username', { password: PASSWORD }, 'invalid_request'],
    [
      'an unknown scope',
      { username: 'a@example.com', password: PASSWORD, scope: 'accounts:read root' },
      'invalid_scope',
    ],
    ['refresh_token grant without a token', { grant_type: 'refresh_token' }, 'invalid_request'],
  ])('%s → 400 %s', async (_name, body, error) => {
    const res = await tokenRequest(body, true);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error, error_description: expect.any(String) });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a user asking for the admin scope → 400 invalid_scope', async () => {
    const res = await tokenRequest({
      username: alice.email,
      password: PASSWORD,
      scope: 'accounts:read admin',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_scope');
  });

  it('`scope` narrows the token: the claim, /me and a route needing another scope all agree', async () => {
    const res = await tokenRequest({ username: admin.email, password: PASSWORD, scope: 'accounts:read' });
    expect(res.json().scope).toBe('accounts:read');
    const token = res.json().access_token as string;
    expect(decodeJwt(token).payload.scope).toBe('accounts:read');
    expect((await getMe(t.app, bearer(token))).json().scopes).toEqual(['accounts:read']);
    const list = await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: bearer(token) });
    expect(list.statusCode).toBe(403);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: admin.headers })).statusCode,
    ).toBe(200);
  });
});

describe('the access token', () => {
  it('is an EdDSA JWT with kid and typ, carrying iss, aud, sub, exp, iat, jti and scope; 15 minutes', async () => {
    const { header, payload } = decodeJwt(alice.token);
    expect(header).toEqual({ alg: 'EdDSA', kid: expect.any(String), typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: t.config.jwtIssuer,
      aud: 'bulwark',
      sub: alice.id,
      scope: expect.any(String),
    });
    expect(isUuid(String(payload.jti))).toBe(true);
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(120);
    expect(decodeJwt(admin.token).payload.jti).not.toBe(payload.jti);
  });

  it('verifies offline against /.well-known/jwks.json (jose), which publishes no private part', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toMatch(/public/);
    const doc = res.json<{ keys: JWK[] }>();
    expect(jwkFor(doc, alice.token)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    for (const key of doc.keys) expect(key).not.toHaveProperty('d');
    const { payload } = await jwtVerify(alice.token, createLocalJWKSet(doc), {
      issuer: t.config.jwtIssuer,
      audience: 'bulwark',
    });
    expect(payload.sub).toBe(alice.id);
  });

  it('verifies with another JWT library (fast-jwt) and the JWKS key, which refuses a tampered copy', async () => {
    const pem = createPublicKey({ key: jwkFor(await jwks(), alice.token), format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const verify = createVerifier({
      key: pem.toString(),
      algorithms: ['EdDSA'],
      allowedIss: t.config.jwtIssuer,
      allowedAud: 'bulwark',
    });
    expect(verify(alice.token)).toMatchObject({ sub: alice.id, aud: 'bulwark', scope: expect.any(String) });
    const [h, , s] = alice.token.split('.');
    const forged = { ...decodeJwt(alice.token).payload, sub: admin.id };
    expect(() => verify(`${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`)).toThrow();
    expect(() => verify(flipSignatureBit(alice.token))).toThrow();
  });
});

describe('key rotation', () => {
  it('new tokens use the new kid; tokens signed before still verify; both keys are published', async () => {
    const before = await signUp(t);
    const oldKid = decodeJwt(before.token).header.kid;
    const newKid = await t.app.auth.keys.rotate();
    expect(newKid).not.toBe(oldKid);
    const after = await signUp(t);
    expect(decodeJwt(after.token).header.kid).toBe(newKid);
    expect((await getMe(t.app, before.headers)).statusCode).toBe(200);
    expect((await getMe(t.app, after.headers)).statusCode).toBe(200);
    const kids = (await jwks()).keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    const set = createLocalJWKSet(await jwks());
    for (const token of [before.token, after.token])
      await expect(jwtVerify(token, set)).resolves.toBeDefined();
  });

  it('a second rotation leaves the date of a key retired earlier as it was', async () => {
    const first = await t.app.auth.keys.rotate();
    const retiredDates = async () =>
      new Map((await t.db.database.db.select().from(signingKeys)).map((k) => [k.id, k.retiredAt?.getTime()]));
    await t.app.auth.keys.rotate();
    const afterSecond = await retiredDates();
    expect(afterSecond.get(first)).toEqual(expect.any(Number));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.app.auth.keys.rotate();
    const afterThird = await retiredDates();
    for (const [kid, at] of afterSecond) if (at !== undefined) expect(afterThird.get(kid)).toBe(at);
    expect([...afterThird.values()].filter((at) => at === undefined)).toHaveLength(1);
  });
});

describe('ACCESS_TOKEN_TTL', () => {
  it('sets expires_in and exp; the token is refused once past (with the 5 s clock tolerance)', async () => {
    const short = await buildAuthApp({ ACCESS_TOKEN_TTL: '2s' });
    try {
      const user = await signUp(short);
      const { payload } = decodeJwt(user.token);
      expect(payload.exp! - payload.iat!).toBe(2);
      expect((await getMe(short.app, user.headers)).statusCode).toBe(200);
      const took = await within(
        15_000,
        async () => (await getMe(short.app, user.headers)).statusCode === 401,
      );
      expect(took).toBeDefined();
      const res = await getMe(short.app, user.headers);
      expectUnauthenticated(res, 'invalid_token');
      expect(res.json().detail).toMatch(/expired/);
      expect(Date.now() / 1000).toBeGreaterThan(payload.exp!);
    } finally {
      await short.close();
    }
  }, 40_000);
});
