// Signing in through a real OpenID provider on loopback, the whole redirect dance in a test browser.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/crypto/tokens.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { linkedIdentities, oauthStates } from '../../src/db/schema/identities.ts';
import { sessions } from '../../src/db/schema/sessions.ts';
import { register, uniqueEmail } from '../helpers/auth.ts';
import { Browser, locationOf } from './fixtures/browser.ts';
import { startHarness, uniqueSubject, type OAuthHarness } from './setup.ts';

let h: OAuthHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const uses = (provider: 'alpha' | 'beta', sub: string) =>
  h.providers[provider].releases.filter((r) => r.subject === sub).map((r) => r.use);
const accountsWithEmail = async (email: string) =>
  h.db.database.db.select().from(accounts).where(eq(accounts.email, email));

describe('GET /v1/auth/oauth/{provider}/authorize', () => {
  it('redirects with PKCE S256, a nonce and a random state kept server side only as its hash', async () => {
    const browser = new Browser();
    const res = await browser.request(`${h.publicUrl}/v1/auth/oauth/alpha/authorize`);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const location = locationOf(res);
    expect(location.origin).toBe(h.providers.alpha.issuer);
    const params = location.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(h.providers.alpha.clientId);
    expect(params.get('redirect_uri')).toBe(`${h.publicUrl}/v1/auth/oauth/alpha/callback`);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(params.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));

    // The state is 256 random bits and nothing else: not a JWT, no dots, nothing to decode.
    const state = params.get('state')!;
    expect(state).toMatch(/^[\w-]{43}$/);
    expect(state.split('.')).toHaveLength(1);
    expect(Buffer.from(state, 'base64url')).toHaveLength(32);
    const rows = await h.db.database.db
      .select()
      .from(oauthStates)
      .where(eq(oauthStates.stateHash, sha256(state)));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(state);
    expect(rows[0]!.codeVerifier).not.toBe(params.get('code_challenge'));
    expect(rows[0]!.nonce).toBe(params.get('nonce'));

    // …and it is bound to this browser by an HttpOnly, SameSite=Lax cookie scoped to the callback.
    const cookie = res.setCookies.find((c) => c.startsWith('bulwark_oauth_state='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toContain('Path=/v1/auth/oauth/alpha/callback');
    expect(browser.cookie(`${h.publicUrl}/v1/auth/oauth/alpha/callback`, 'bulwark_oauth_state')).toBe(state);
  });

  it('answers 404 for an unknown provider, at both ends', async () => {
    for (const end of ['authorize', 'callback?code=x&state=y']) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/auth/oauth/nope/${end}` });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it.each([
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    'http://127.0.0.1:1/elsewhere',
    '/ok\u0000',
  ])('refuses redirect_to=%s (no open redirect): 422', async (target) => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/auth/oauth/alpha/authorize?redirect_to=${encodeURIComponent(target)}`,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toBe('/query/redirect_to');
  });
});

describe('signing in with a provider', () => {
  it('creates an account for a verified email (OIDC_CREATE_ACCOUNTS=on) and starts a cookie session', async () => {
    const email = uniqueEmail('oidc');
    const sub = h.user('alpha', uniqueSubject(), { email, email_verified: true, name: 'Ada Provider' });
    const { callback, browser } = await h.signIn('alpha', sub);
    expect(callback.status, callback.body).toBe(200);
    const body = callback.json();
    expect(body.user).toMatchObject({ email, email_verified: true, name: 'Ada Provider' });
    expect(body.csrf_token).toEqual(expect.any(String));
    expect(callback.headers.get('cache-control')).toBe('no-store');
    // The state cookie is gone; the session and CSRF cookies are set as by POST /v1/auth/login.
    expect(browser.cookie(callback.url, 'bulwark_oauth_state')).toBeUndefined();
    expect(browser.cookie(`${h.publicUrl}/`, 'bulwark_csrf')).toBe(body.csrf_token);
    const me = await browser.request(`${h.publicUrl}/v1/auth/me`);
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({ id: body.user.id, auth_method: 'session' });

    // alpha gives email claims only through UserInfo, which Bulwark then asked for.
    expect(uses('alpha', sub)).toContain('userinfo');
    const [row] = await accountsWithEmail(email);
    expect(row?.passwordHash).toBeNull();
    const links = await h.db.database.db
      .select()
      .from(linkedIdentities)
      .where(eq(linkedIdentities.accountId, body.user.id));
    expect(links).toMatchObject([{ provider: 'alpha', subject: sub, email, emailVerified: true }]);
    // No password was checked: the session is no re-authentication for sensitive changes (docs/API.md).
    const started = await h.db.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.accountId, body.user.id));
    expect(started).toMatchObject([{ kind: 'cookie', authenticatedAt: null }]);
  });

  it('signs the linked account in again, without creating another', async () => {
    const email = uniqueEmail('again');
    const sub = h.user('beta', uniqueSubject(), { email, email_verified: true });
    const first = (await h.signIn('beta', sub)).callback.json();
    const second = await h.signIn('beta', sub);
    expect(second.callback.status).toBe(200);
    expect(second.callback.json().user.id).toBe(first.user.id);
    expect(await accountsWithEmail(email)).toHaveLength(1);
    // beta puts them in the ID token: no UserInfo request needed.
    expect(uses('beta', sub)).toEqual(['id_token', 'id_token']);
  });

  it('goes to redirect_to afterwards, with the session cookies set', async () => {
    const sub = h.user('alpha', uniqueSubject(), { email: uniqueEmail('redir'), email_verified: true });
    const { callback, browser } = await h.signIn('alpha', sub, { redirectTo: '/app/welcome?tab=1' });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${h.publicUrl}/app/welcome?tab=1`);
    expect(browser.cookie(`${h.publicUrl}/`, 'bulwark_session')).toBeDefined();
  });

  it('never merges into an existing account with the same (verified) email: 409', async () => {
    const email = uniqueEmail('taken');
    const id = await register(h, email);
    const sub = h.user('alpha', uniqueSubject(), { email: email.toUpperCase(), email_verified: true });
    const { callback, browser } = await h.signIn('alpha', sub);
    expect(callback.status).toBe(409);
    expect(callback.json().detail).toMatch(/never merged automatically/);
    expect(browser.cookie(`${h.publicUrl}/`, 'bulwark_session')).toBeUndefined();
    const links = await h.db.database.db
      .select()
      .from(linkedIdentities)
      .where(eq(linkedIdentities.accountId, id));
    expect(links).toEqual([]);
  });

  it.each([
    ['false', false],
    ['the string "true"', 'true'],
    ['absent', undefined],
  ])(
    'with email_verified %s: neither merges into an existing account nor creates one (403)',
    async (_, verified) => {
      const existing = uniqueEmail('existing');
      await register(h, existing);
      const fresh = uniqueEmail('fresh');
      for (const email of [existing, fresh]) {
        const sub = h.user('beta', uniqueSubject(), { email, email_verified: verified });
        const { callback, browser } = await h.signIn('beta', sub);
        expect(callback.status).toBe(403);
        expect(callback.json().detail).toMatch(/did not verify this email/);
        expect(browser.cookie(`${h.publicUrl}/`, 'bulwark_session')).toBeUndefined();
      }
      expect(await accountsWithEmail(fresh)).toEqual([]);
    },
  );

  it('refuses an inactive account: 403', async () => {
    const email = uniqueEmail('inactive');
    const sub = h.user('alpha', uniqueSubject(), { email, email_verified: true });
    const id = (await h.signIn('alpha', sub)).callback.json().user.id;
    await h.db.database.db.update(accounts).set({ isActive: false }).where(eq(accounts.id, id));
    const { callback } = await h.signIn('alpha', sub);
    expect(callback.status).toBe(403);
  });

  it('keeps the two providers apart: the same subject at each is a different identity', async () => {
    const sub = uniqueSubject('shared');
    h.user('alpha', sub, { email: uniqueEmail('a'), email_verified: true });
    h.user('beta', sub, { email: uniqueEmail('b'), email_verified: true });
    const a = (await h.signIn('alpha', sub)).callback.json();
    const b = (await h.signIn('beta', sub)).callback.json();
    expect(a.user.id).not.toBe(b.user.id);
  });

  it('turns a refusal at the provider (access_denied) into a 403 problem, not a 500', async () => {
    const browser = new Browser();
    const authorize = await browser.request(`${h.publicUrl}/v1/auth/oauth/alpha/authorize`);
    const back = await browser.atProvider(locationOf(authorize), 'whoever', { abort: true });
    expect(locationOf(back).searchParams.get('error')).toBe('access_denied');
    const callback = await browser.follow(back);
    expect(callback.status).toBe(403);
    expect(callback.headers.get('content-type')).toContain('application/problem+json');
    // The request is over: its state cannot be used again.
    const state = locationOf(authorize).searchParams.get('state')!;
    const rows = await h.db.database.db
      .select()
      .from(oauthStates)
      .where(eq(oauthStates.stateHash, sha256(state)));
    expect(rows).toEqual([]);
  });
});
