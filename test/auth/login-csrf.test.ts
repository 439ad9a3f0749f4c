// Login CSRF: a page of another site must not sign the browser in (to an account of the attacker's
// choosing) with a cross-site form post. A login whose Origin — or, absent, Referer — is present and not
// allowed is refused; clients that send neither (scripts, mobile apps) still sign in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { signUp, PASSWORD, type TestUser } from '../helpers/auth.ts';
import { buildAuthApp, expectProblem } from './setup.ts';

const PUBLIC_ORIGIN = 'https://app.example.com';
const CORS_ORIGIN = 'https://admin.example.com';

let t: TestApp;
let alice: TestUser;

beforeAll(async () => {
  t = await buildAuthApp({ PUBLIC_URL: `${PUBLIC_ORIGIN}/`, CORS_ORIGINS: CORS_ORIGIN });
  alice = await signUp(t);
});
afterAll(() => t?.close());

const login = (headers: Record<string, string>, form = true) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    headers: form ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' } : headers,
    payload: form
      ? new URLSearchParams({ email: alice.email, password: PASSWORD }).toString()
      : { email: alice.email, password: PASSWORD },
  });

describe('POST /v1/auth/login and where it comes from', () => {
  it.each<[string, Record<string, string>]>([
    ['no Origin nor Referer (a non-browser client)', {}],
    ["PUBLIC_URL's origin", { origin: PUBLIC_ORIGIN }],
    ['an origin of CORS_ORIGINS', { origin: CORS_ORIGIN }],
    ['no Origin, a Referer on PUBLIC_URL', { referer: `${PUBLIC_ORIGIN}/sign-in?next=/` }],
  ])('control: %s → 200 and a session cookie', async (_name, headers) => {
    const res = await login(headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.cookies.some((c) => c.name === 'bulwark_session')).toBe(true);
  });

  it.each<[string, Record<string, string>, boolean]>([
    ['a form posted from another site', { origin: 'https://evil.example' }, true],
    ['JSON from another site', { origin: 'https://evil.example' }, false],
    ['another scheme of the same host', { origin: 'http://app.example.com' }, true],
    ['a sub-domain', { origin: 'https://x.app.example.com' }, true],
    ['an opaque origin (sandboxed frame, data: URL)', { origin: 'null' }, true],
    ['no Origin, a Referer on another site', { referer: 'https://evil.example/post' }, true],
    ['no Origin, a Referer that does not parse', { referer: 'not a url' }, true],
    // The Origin decides when both are there: an allowed Referer does not excuse a foreign Origin.
    [
      'a foreign Origin with an allowed Referer',
      { origin: 'https://evil.example', referer: `${PUBLIC_ORIGIN}/` },
      true,
    ],
  ])('%s → 403 problem, no cookie, no session', async (_name, headers, form) => {
    const res = await login(headers, form);
    expectProblem(res, 403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).not.toContain(alice.email);
  });

  it('the refusal comes before the password is checked: a wrong password gets the same 403', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { origin: 'https://evil.example' },
      payload: { email: alice.email, password: 'Wr0ng-password-42' },
    });
    expectProblem(res, 403);
  });
});
