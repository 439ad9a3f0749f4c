// The callback's defences: single-use, unexpired state started in this browser, and provider errors as 4xx.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken, sha256 } from '../../src/core/crypto/tokens.ts';
import { oauthStates } from '../../src/db/schema/identities.ts';
import { uniqueEmail } from '../helpers/auth.ts';
import { Browser, locationOf, type BrowserResponse } from './fixtures/browser.ts';
import { startHarness, uniqueSubject, type OAuthHarness } from './setup.ts';

let h: OAuthHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** Up to the provider's redirect back, not followed: the callback URL with a fresh code and state. */
async function untilCallback(
  browser = new Browser(),
): Promise<{ browser: Browser; back: BrowserResponse; url: URL }> {
  const sub = h.user('alpha', uniqueSubject(), { email: uniqueEmail('state'), email_verified: true });
  const authorize = await browser.request(`${h.publicUrl}/v1/auth/oauth/alpha/authorize`);
  const back = await browser.atProvider(locationOf(authorize), sub);
  return { browser, back, url: locationOf(back) };
}

function expectProblem(res: BrowserResponse, status: number, detail?: RegExp): void {
  expect(res.status, res.body).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  if (detail) expect(res.json().detail).toMatch(detail);
}

describe('GET /v1/auth/oauth/{provider}/callback', () => {
  it('uses a state once: a replayed callback is 400', async () => {
    const { browser, url } = await untilCallback();
    const first = await browser.request(url);
    expect(first.status).toBe(200);
    // The browser lost the state cookie at the first use: replay it too, as an attacker would.
    const replay = await browser.request(url, {
      headers: { cookie: `bulwark_oauth_state=${url.searchParams.get('state')}` },
    });
    expectProblem(replay, 400, /unknown, expired or already used/);
  });

  it('refuses a forged state, even with a matching cookie: 400', async () => {
    const { url } = await untilCallback();
    const forged = randomToken();
    url.searchParams.set('state', forged);
    const res = await new Browser().request(url, { headers: { cookie: `bulwark_oauth_state=${forged}` } });
    expectProblem(res, 400, /unknown, expired or already used/);
  });

  it('refuses a callback planted in another browser (login CSRF), leaving the request to its owner', async () => {
    const { browser, url } = await untilCallback();
    expectProblem(await new Browser().request(url), 400, /not started in this browser/);
    expect((await browser.request(url)).status).toBe(200);
  });

  it('refuses an expired request: 400', async () => {
    const { browser, url } = await untilCallback();
    const stateHash = sha256(url.searchParams.get('state')!);
    await h.db.database.db
      .update(oauthStates)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oauthStates.stateHash, stateHash));
    expectProblem(await browser.request(url), 400, /expired/);
  });

  it('refuses a state issued for another provider: 400', async () => {
    const { url } = await untilCallback();
    const state = url.searchParams.get('state')!;
    const elsewhere = new URL(url.href.replace('/oauth/alpha/', '/oauth/beta/'));
    const res = await new Browser().request(elsewhere, {
      headers: { cookie: `bulwark_oauth_state=${state}` },
    });
    expectProblem(res, 400);
  });

  it('turns a code the provider refuses into a 400 problem, not a 500', async () => {
    const { browser, url } = await untilCallback();
    url.searchParams.set('code', 'forged-code');
    expectProblem(await browser.request(url), 400, /refused the sign-in \(invalid_grant\)/);
  });

  it('refuses a response without the issuer (mix-up defence) or without a code: 400', async () => {
    const first = await untilCallback();
    first.url.searchParams.delete('iss');
    expectProblem(await first.browser.request(first.url), 400);
    const second = await untilCallback();
    second.url.searchParams.delete('code');
    expectProblem(await second.browser.request(second.url), 400, /needs `code` and `state`/);
  });

  it.each([
    ['access_denied', 403],
    ['server_error', 400],
    ['<script>', 400],
  ])('answers a provider error=%s with %i', async (error, status) => {
    const res = await new Browser().request(
      `${h.publicUrl}/v1/auth/oauth/beta/callback?error=${encodeURIComponent(error)}&state=whatever`,
    );
    expectProblem(res, status);
    expect(res.body).not.toContain('<script>');
  });
});
