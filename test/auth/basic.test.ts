// HTTP Basic: accepted by every protected route unless BASIC_AUTH=off; never a way around CSRF or scopes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { basic, register, signUp, uniqueEmail, PASSWORD, type TestUser } from '../helpers/auth.ts';
import { buildAuthApp, expectProblem, expectUnauthenticated, getMe } from './setup.ts';

let t: TestApp;
let off: TestApp;
let alice: TestUser;

beforeAll(async () => {
  [t, off] = await Promise.all([buildAuthApp(), buildAuthApp({ BASIC_AUTH: 'off' })]);
  alice = await signUp(t);
});
afterAll(async () => {
  await t?.close();
  await off?.close();
});

const raw = (value: string) => ({ authorization: `Basic ${value}` });

describe('BASIC_AUTH on (the default)', () => {
  it('resolves to the account, auth_method basic, with all its scopes', async () => {
    const res = await getMe(t.app, basic(alice.email, PASSWORD));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: alice.id, email: alice.email, auth_method: 'basic' });
    expect(res.json().scopes).toContain('accounts:read');
  });

  it('takes the email case-insensitively and the scheme name in any case', async () => {
    const encoded = Buffer.from(`${alice.email.toUpperCase()}:${PASSWORD}`).toString('base64');
    expect((await getMe(t.app, { authorization: `bAsIc ${encoded}` })).statusCode).toBe(200);
  });

  it('splits at the first colon: a password may contain colons', async () => {
    const email = uniqueEmail();
    const password = 'colons:in:the:middle-42';
    await register(t, email, password);
    expect((await getMe(t.app, basic(email, password))).json().auth_method).toBe('basic');
  });

  it.each([
    ['a wrong password', () => basic(alice.email, 'Wr0ng-password-42')],
    ['an unknown email', () => basic(uniqueEmail('ghost'), PASSWORD)],
    ['no colon', () => raw(Buffer.from(alice.email).toString('base64'))],
    ['an empty email', () => raw(Buffer.from(`:${PASSWORD}`).toString('base64'))],
    ['an empty password', () => basic(alice.email, '')],
    ['nothing after the scheme', () => raw('')],
    ['not base64', () => raw('%%%not-base64%%%')],
  ])('%s → 401 with a challenge offering Basic', async (_name, headers) => {
    const res = await getMe(t.app, headers());
    expectUnauthenticated(res);
    expect(res.headers['www-authenticate']).toContain('Basic realm="bulwark", charset="UTF-8"');
  });

  it('an unsafe request needs no CSRF token (no cookie is involved)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: basic(alice.email, PASSWORD),
      payload: { name: 'from basic' },
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('scopes still apply: a non-admin over Basic → 403 on an admin route', async () => {
    expectProblem(
      await t.app.inject({ method: 'GET', url: '/v1/accounts', headers: basic(alice.email, PASSWORD) }),
      403,
    );
  });
});

describe('BASIC_AUTH=off', () => {
  it('refuses Basic even with the right password, and no longer offers it', async () => {
    const user = await signUp(off);
    const res = await getMe(off.app, basic(user.email, PASSWORD));
    expectUnauthenticated(res);
    expect(res.headers['www-authenticate']).not.toMatch(/Basic/);
    expect((await getMe(off.app, user.headers)).json().auth_method).toBe('bearer');
  });

  it('the unauthenticated challenge names only Bearer and ApiKey', async () => {
    const res = await getMe(off.app);
    expectUnauthenticated(res);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="bulwark", ApiKey realm="bulwark", header="X-Auth"',
    );
  });
});
