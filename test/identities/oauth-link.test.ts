// Linking a provider identity to the signed-in account, then signing in with it.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/crypto/tokens.ts';
import { linkedIdentities, oauthStates } from '../../src/db/schema/identities.ts';
import { bearer, PASSWORD, signUp, uniqueEmail } from '../helpers/auth.ts';
import { Browser, locationOf } from './fixtures/browser.ts';
import { startHarness, uniqueSubject, type OAuthHarness } from './setup.ts';

let h: OAuthHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const linksOf = (accountId: string) =>
  h.db.database.db.select().from(linkedIdentities).where(eq(linkedIdentities.accountId, accountId));

describe('linking an identity', () => {
  it('links to the account of a bearer token, then signs that account in', async () => {
    const user = await signUp(h);
    // Linking is the account holder's explicit act: the provider's email need not match nor be verified.
    const email = uniqueEmail('elsewhere');
    const sub = h.user('alpha', uniqueSubject(), { email, email_verified: false });
    const { callback, browser } = await h.signIn('alpha', sub, { headers: user.headers });
    expect(callback.status, callback.body).toBe(200);
    expect(callback.json().link).toMatchObject({
      provider: 'alpha',
      subject: sub,
      email,
      email_verified: false,
    });
    expect(browser.cookie(`${h.publicUrl}/`, 'bulwark_session')).toBeUndefined();

    const again = await h.signIn('alpha', sub);
    expect(again.callback.status).toBe(200);
    expect(again.callback.json().user.id).toBe(user.id);
  });

  it('links to the account of a session cookie, and goes to redirect_to', async () => {
    const user = await signUp(h);
    const browser = new Browser();
    const login = await browser.request(`${h.publicUrl}/v1/auth/login`, {
      form: { email: user.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const sub = h.user('beta', uniqueSubject(), { email: user.email, email_verified: true });
    // A session cookie is sent by the browser on its own: the link needs the session's CSRF token too.
    const { callback } = await h.signIn('beta', sub, {
      browser,
      redirectTo: `${h.publicUrl}/settings/links`,
      query: { csrf_token: login.json().csrf_token },
    });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${h.publicUrl}/settings/links`);
    const list = await browser.request(`${h.publicUrl}/v1/accounts/${user.id}/links`);
    expect(list.json().items).toMatchObject([{ provider: 'beta', subject: sub }]);
  });

  it('is idempotent for the same account and refreshes the email the provider gives', async () => {
    const user = await signUp(h);
    const sub = h.user('alpha', uniqueSubject(), { email: uniqueEmail('old') });
    const first = (await h.signIn('alpha', sub, { headers: user.headers })).callback.json();
    const newer = uniqueEmail('new');
    h.user('alpha', sub, { email: newer, email_verified: true });
    const second = await h.signIn('alpha', sub, { headers: user.headers });
    expect(second.callback.status).toBe(200);
    expect(second.callback.json().link).toMatchObject({
      id: first.link.id,
      email: newer,
      email_verified: true,
    });
    expect(await linksOf(user.id)).toHaveLength(1);
  });

  it('refuses an identity already linked to another account: 409', async () => {
    const [alice, bob] = [await signUp(h), await signUp(h)];
    const sub = h.user('beta', uniqueSubject(), { email: alice.email, email_verified: true });
    expect((await h.signIn('beta', sub, { headers: alice.headers })).callback.status).toBe(200);
    const { callback } = await h.signIn('beta', sub, { headers: bob.headers });
    expect(callback.status).toBe(409);
    expect(callback.json().detail).toMatch(/already linked to another account/);
    expect(await linksOf(bob.id)).toEqual([]);
    expect(await linksOf(alice.id)).toHaveLength(1);
  });

  it('needs the accounts:write scope to start a link: 403', async () => {
    const user = await signUp(h, { scope: 'accounts:read' });
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/auth/oauth/alpha/authorize',
      headers: user.headers,
    });
    expect(res.statusCode).toBe(403);
  });

  it('refuses a bad credential (401), but takes a stale session cookie alone for a sign-in', async () => {
    const bad = await h.app.inject({
      method: 'GET',
      url: '/v1/auth/oauth/alpha/authorize',
      headers: bearer('not-a-token'),
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toBeDefined();

    const stale = await h.app.inject({
      method: 'GET',
      url: '/v1/auth/oauth/alpha/authorize',
      cookies: { bulwark_session: 'long-gone' },
    });
    expect(stale.statusCode).toBe(302);
    const state = new URL(stale.headers.location!).searchParams.get('state')!;
    const [row] = await h.db.database.db
      .select()
      .from(oauthStates)
      .where(eq(oauthStates.stateHash, sha256(state)));
    expect(row?.accountId).toBeNull();
  });

  it('binds the link to the account that asked, whoever finishes it', async () => {
    // The link request carries the account server side: the callback needs no credential of its own.
    const user = await signUp(h);
    const browser = new Browser();
    const authorize = await browser.request(`${h.publicUrl}/v1/auth/oauth/alpha/authorize`, {
      headers: user.headers,
    });
    const sub = h.user('alpha', uniqueSubject(), {});
    const callback = await browser.follow(await browser.atProvider(locationOf(authorize), sub));
    expect(callback.json().link.subject).toBe(sub);
    expect((await linksOf(user.id)).map((l) => l.subject)).toEqual([sub]);
  });
});
