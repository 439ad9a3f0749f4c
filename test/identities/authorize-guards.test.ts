// GET /v1/auth/oauth/{provider}/authorize: a page of another site cannot start a link for the signed-in
// browser (its session cookie rides along on a top-level GET), and anonymous starts — each writes a row —
// are bounded per client address (OAUTH_START_THROTTLE).
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthStates } from '../../src/db/schema/identities.ts';
import { basic, cookieLogin, PASSWORD, signUp, type TestUser } from '../helpers/auth.ts';
import { startHarness, type OAuthHarness } from './setup.ts';

let h: OAuthHarness;
let user: TestUser;
let session: Awaited<ReturnType<typeof cookieLogin>>;

beforeAll(async () => {
  h = await startHarness({ RATE_LIMIT: 'on', OAUTH_START_THROTTLE: '3/1m', REGISTER_THROTTLE: '1000/1m' });
  user = await signUp(h);
  session = await cookieLogin(h, user.email);
});
afterAll(() => h?.close());

let address = 0;
const nextIp = () => `10.7.${Math.floor(++address / 250)}.${(address % 250) + 1}`;

const states = async () => (await h.db.database.db.select({ n: count() }).from(oauthStates))[0]!.n;
const linkStates = async (accountId: string) =>
  (
    await h.db.database.db
      .select({ n: count() })
      .from(oauthStates)
      .where(eq(oauthStates.accountId, accountId))
  )[0]!.n;

const authorize = (headers: Record<string, string>, query = '', remoteAddress = nextIp()) =>
  h.app.inject({
    method: 'GET',
    url: `/v1/auth/oauth/alpha/authorize${query}`,
    headers,
    remoteAddress,
  });

describe('starting a link with ambient credentials', () => {
  type Case = [string, () => Record<string, string>, () => string];
  const cookie = () => ({ cookie: session.cookie });

  it.each<Case>([
    ['a session cookie and its CSRF token in csrf_token', cookie, () => `?csrf_token=${session.csrf}`],
    [
      'a session cookie and its CSRF token in X-CSRF-Token',
      () => ({ ...cookie(), 'x-csrf-token': session.csrf }),
      () => '',
    ],
    ['a bearer token (never sent by a browser on its own)', () => user.headers, () => ''],
  ])('control: %s → 302, a link request for the account', async (_name, headers, query) => {
    const before = await linkStates(user.id);
    const res = await authorize(headers(), query());
    expect(res.statusCode, res.body).toBe(302);
    expect(await linkStates(user.id)).toBe(before + 1);
  });

  it.each<Case>([
    ['a session cookie alone (a cross-site link or redirect)', cookie, () => ''],
    ['a session cookie and a wrong token', cookie, () => '?csrf_token=forged'],
    ['a session cookie and an empty token', cookie, () => '?csrf_token='],
    ['a session cookie and a token of the right length', cookie, () => `?csrf_token=${'x'.repeat(43)}`],
    ['Basic credentials (a browser replays them by itself)', () => basic(user.email, PASSWORD), () => ''],
  ])('%s → 403 problem, nothing written', async (_name, headers, query) => {
    const before = await states();
    const res = await authorize(headers(), query());
    expect(res.statusCode, res.body).toBe(403);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(res.headers.location).toBeUndefined();
    expect(await states()).toBe(before);
  });

  it("another session's real token does not do either", async () => {
    const other = await cookieLogin(h, user.email);
    const res = await authorize({ cookie: session.cookie }, `?csrf_token=${other.csrf}`);
    expect(res.statusCode).toBe(403);
  });

  it('control: without a credential it is a sign-in, as before', async () => {
    const res = await authorize({});
    expect(res.statusCode).toBe(302);
  });
});

describe('OAUTH_START_THROTTLE=3/1m', () => {
  it('anonymous starts from one address: 3 pass, then 429 with Retry-After and no row', async () => {
    const ip = nextIp();
    for (let i = 0; i < 3; i++) expect((await authorize({}, '', ip)).statusCode).toBe(302);
    const before = await states();
    const res = await authorize({}, '', ip);
    expect(res.statusCode).toBe(429);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await states()).toBe(before);
    // Another address, and a signed-in link from the same one, are not affected.
    expect((await authorize({})).statusCode).toBe(302);
    expect((await authorize(user.headers, '', ip)).statusCode).toBe(302);
  });

  it('parallel starts from one address: at most 3 get through', async () => {
    const ip = nextIp();
    const answers = await Promise.all(Array.from({ length: 12 }, () => authorize({}, '', ip)));
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses.filter((s) => s === 302)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
  });
});
