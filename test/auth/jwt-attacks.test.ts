// Forged and altered bearer tokens, one row per attack. Each row is built the same way as a control token
// that is accepted, so a 401 can only come from the property the row changes.
import { createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import type { TestApp } from '../helpers/app.ts';
import { bearer, signUp, type TestUser } from '../helpers/auth.ts';
import { compactJws, decodeJwt, hmacJws, jwkFor, signWithServerKey } from '../helpers/jwt.ts';
import { buildAuthApp, expectUnauthenticated, getMe } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let kid: string;
let jwk: JWK;

beforeAll(async () => {
  t = await buildAuthApp();
  alice = await signUp(t);
  bob = await signUp(t);
  kid = String(decodeJwt(alice.token).header.kid);
  jwk = jwkFor((await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(), alice.token);
});
afterAll(() => t?.close());

/** Alice's own claims, freshly timed: what a valid token of hers carries. */
function claims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const { payload } = decodeJwt(alice.token);
  return { ...payload, jti: newId(), iat: now, exp: now + 600, ...overrides };
}
const serverSigned = (overrides: JWTPayload = {}, header: Record<string, unknown> = {}) =>
  signWithServerKey(t.app.auth.keys, claims(overrides), header);
const header = () => ({ alg: 'EdDSA', kid, typ: 'at+jwt' });
const withoutKey = (overrides: JWTPayload) => {
  const all = claims();
  for (const key of Object.keys(overrides)) delete all[key];
  return all;
};

describe('control', () => {
  it('a token built by these helpers with the real key and real claims is accepted', async () => {
    const res = await getMe(t.app, bearer(await serverSigned()));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: alice.id, auth_method: 'bearer' });
  });

  it('an exp a few seconds past is still within the 5 s clock tolerance', async () => {
    const exp = Math.floor(Date.now() / 1000) - 2;
    expect((await getMe(t.app, bearer(await serverSigned({ exp })))).statusCode).toBe(200);
  });
});

type Forge = () => Promise<string> | string;

const UNSIGNED: [string, Forge][] = [
  ...['none', 'None', 'NONE', 'nOnE'].map((alg): [string, Forge] => [
    `alg "${alg}" with no signature`,
    () => compactJws({ ...header(), alg }, claims(), () => Buffer.alloc(0)),
  ]),
  [
    'alg "none" keeping a real signature',
    () =>
      `${compactJws({ ...header(), alg: 'none' }, claims(), () => Buffer.alloc(0))}${alice.token.split('.')[2]}`,
  ],
  [
    'the real header and payload with the signature stripped',
    () => `${alice.token.split('.').slice(0, 2).join('.')}.`,
  ],
  ['no alg at all', () => compactJws({ kid, typ: 'at+jwt' }, claims(), () => Buffer.alloc(64))],
];

const CONFUSION: [string, Forge][] = (['HS256', 'HS384', 'HS512'] as const).flatMap((alg) => [
  [`${alg} keyed with the JWK as JSON`, () => hmacJws(alg, header(), claims(), JSON.stringify(jwk))],
  [
    `${alg} keyed with the raw Ed25519 public key`,
    () => hmacJws(alg, header(), claims(), Buffer.from(jwk.x!, 'base64url')),
  ],
  [`${alg} keyed with the x coordinate string`, () => hmacJws(alg, header(), claims(), jwk.x!)],
  [
    `${alg} keyed with the public key PEM`,
    () =>
      hmacJws(
        alg,
        header(),
        claims(),
        createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }),
      ),
  ],
]);

const FOREIGN_KEYS: [string, Forge][] = [
  [
    'EdDSA by an attacker key under our kid',
    async () =>
      new SignJWT(claims())
        .setProtectedHeader(header())
        .sign((await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey),
  ],
  [
    'EdDSA by an attacker key that embeds its own jwk',
    async () => {
      const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const embedded = await exportJWK(publicKey);
      return new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', jwk: embedded })
        .sign(privateKey);
    },
  ],
  [
    'ES256 by an attacker key under our kid',
    async () =>
      new SignJWT(claims())
        .setProtectedHeader({ ...header(), alg: 'ES256' })
        .sign((await generateKeyPair('ES256')).privateKey),
  ],
  [
    'RS256 by an attacker key under our kid',
    async () =>
      new SignJWT(claims())
        .setProtectedHeader({ ...header(), alg: 'RS256' })
        .sign((await generateKeyPair('RS256')).privateKey),
  ],
  [
    'EdDSA signed by node:crypto with an attacker key, jku pointing elsewhere',
    () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      return compactJws({ ...header(), jku: 'https://evil.example/jwks.json' }, claims(), (input) =>
        nodeSign(null, Buffer.from(input), privateKey),
      );
    },
  ],
];

/** Alice's real token with one part replaced; the other parts (and so the signature) are kept. */
function edited(part: { header?: object; payload?: JWTPayload; signature?: (s: Buffer) => Buffer }): string {
  const [h, p, s] = alice.token.split('.') as [string, string, string];
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signature = part.signature ? part.signature(Buffer.from(s, 'base64url')).toString('base64url') : s;
  return `${part.header ? encode(part.header) : h}.${part.payload ? encode(part.payload) : p}.${signature}`;
}
const original = () => decodeJwt(alice.token).payload;

const TAMPERED: [string, Forge][] = [
  [
    'a flipped signature bit',
    () => edited({ signature: (s) => Buffer.from(s.map((byte, i) => (i === 0 ? byte ^ 1 : byte))) }),
  ],
  ['a truncated signature', () => edited({ signature: (s) => s.subarray(0, 32) })],
  ['the payload edited to another sub', () => edited({ payload: { ...original(), sub: bob.id } })],
  ['the payload edited to the admin scope', () => edited({ payload: { ...original(), scope: 'admin' } })],
  [
    'the payload edited to a later exp',
    () => edited({ payload: { ...original(), exp: original().exp! + 3600 } }),
  ],
  ['the header edited to another kid', () => edited({ header: { ...header(), kid: newId() } })],
];

const SERVER_SIGNED: [string, Forge][] = [
  ['expired a minute ago', () => serverSigned({ exp: Math.floor(Date.now() / 1000) - 60 })],
  ['not valid before next hour', () => serverSigned({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
  ['a wrong aud', () => serverSigned({ aud: 'another-service' })],
  ['no aud', () => signWithServerKey(t.app.auth.keys, withoutKey({ aud: '' }))],
  ['a wrong iss', () => serverSigned({ iss: 'https://evil.example' })],
  ['no iss', () => signWithServerKey(t.app.auth.keys, withoutKey({ iss: '' }))],
  ['no exp', () => signWithServerKey(t.app.auth.keys, withoutKey({ exp: 0 }))],
  ['no jti', () => signWithServerKey(t.app.auth.keys, withoutKey({ jti: '' }))],
  ['no sid', () => signWithServerKey(t.app.auth.keys, withoutKey({ sid: '' }))],
  ['an unknown kid', () => serverSigned({}, { kid: newId() })],
  ['no kid', () => serverSigned({}, { kid: undefined })],
  ['typ JWT instead of at+jwt', () => serverSigned({}, { typ: 'JWT' })],
  ["bob's sub on alice's session", () => serverSigned({ sub: bob.id })],
  ['a session that does not exist', () => serverSigned({ sid: newId() })],
  ['a sub that does not exist', () => serverSigned({ sub: newId() })],
];

const GARBAGE: [string, Forge][] = [
  ['not a JWT', () => 'not-a-jwt'],
  ['four parts', () => `${alice.token}.AAAA`],
  [
    'non-JSON header',
    () => `${Buffer.from('{{').toString('base64url')}.${alice.token.split('.').slice(1).join('.')}`,
  ],
  ['empty', () => ''],
];

describe.each([
  ['unsigned', UNSIGNED],
  ['algorithm confusion', CONFUSION],
  ['foreign keys', FOREIGN_KEYS],
  ['tampered', TAMPERED],
  ['validly signed but wrong claims', SERVER_SIGNED],
  ['garbage', GARBAGE],
])('%s tokens', (_group, cases) => {
  it.each(cases)('%s → 401 invalid_token', async (_name, forge) => {
    const res = await getMe(t.app, { authorization: `Bearer ${await forge()}` });
    expectUnauthenticated(res, 'invalid_token');
  });
});

describe('a forged token never reaches a handler', () => {
  it('the admin-only list stays 401 (not 403) for a confused-algorithm admin token', async () => {
    const token = hmacJws('HS256', header(), claims({ scope: 'admin' }), JSON.stringify(jwk));
    const res = await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: bearer(token) });
    expectUnauthenticated(res, 'invalid_token');
  });
});
