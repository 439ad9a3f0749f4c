// Failed sign-ins are throttled per account and per address (429 + Retry-After), never for good; and an
// unknown email cannot be told from a wrong password — not by status, headers, body or time.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema/accounts.ts';
import type { TestApp } from '../helpers/app.ts';
import { register, signInVia, uniqueEmail, PASSWORD, type SignInVia } from '../helpers/auth.ts';
import { buildAuthApp, expectProblem, within } from './setup.ts';

const WRONG = 'Wr0ng-password-42';
let address = 0;
/** A fresh client address, so that tests do not share the per-address counter unless they mean to. */
const nextIp = () => `10.0.${Math.floor(++address / 250)}.${(address % 250) + 1}`;

type Via = SignInVia;
const signIn = (t: TestApp, via: Via, email: string, password: string, remoteAddress = nextIp()) =>
  signInVia(t, via, email, password, remoteAddress);

function expectThrottled(res: Awaited<ReturnType<typeof signIn>>, windowSeconds: number): void {
  expectProblem(res, 429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe('LOGIN_THROTTLE=3/1m', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildAuthApp({ RATE_LIMIT: 'on', LOGIN_THROTTLE: '3/1m' });
  });
  afterAll(() => t?.close());

  const newAccount = async () => {
    const email = uniqueEmail();
    await register(t, email);
    return email;
  };

  it.each<Via>(['token', 'login', 'basic'])(
    'failures via %s from many addresses lock that account, even with the right password, on every route',
    async (via) => {
      const email = await newAccount();
      for (let i = 0; i < 3; i++) expect((await signIn(t, via, email, WRONG)).statusCode).toBe(401);
      for (const route of ['token', 'login', 'basic'] as const)
        expectThrottled(await signIn(t, route, email, PASSWORD), 60);
      expectThrottled(await signIn(t, 'token', email.toUpperCase(), PASSWORD), 60);
      // Another account, from another address, is not affected.
      expect((await signIn(t, 'token', await newAccount(), PASSWORD)).statusCode).toBe(200);
    },
  );

  it('failures from one address (any emails) lock that address; other addresses sign in', async () => {
    const ip = nextIp();
    for (let i = 0; i < 3; i++)
      expect((await signIn(t, 'token', uniqueEmail('ghost'), WRONG, ip)).statusCode).toBe(401);
    const email = await newAccount();
    expectThrottled(await signIn(t, 'token', email, PASSWORD, ip), 60);
    expectThrottled(await signIn(t, 'login', email, PASSWORD, ip), 60);
    expect((await signIn(t, 'token', email, PASSWORD, nextIp())).statusCode).toBe(200);
  });

  it("a success resets the account's counter", async () => {
    const email = await newAccount();
    for (let i = 0; i < 2; i++) expect((await signIn(t, 'token', email, WRONG)).statusCode).toBe(401);
    expect((await signIn(t, 'token', email, PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await signIn(t, 'token', email, WRONG)).statusCode).toBe(401);
    expect((await signIn(t, 'token', email, PASSWORD)).statusCode).toBe(200);
  });

  it('the token endpoint answers 429 with Retry-After and no-store, not invalid_grant', async () => {
    const email = await newAccount();
    for (let i = 0; i < 3; i++) await signIn(t, 'token', email, WRONG);
    const res = await signIn(t, 'token', email, PASSWORD);
    expectThrottled(res, 60);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('the lock ends with the window (LOGIN_THROTTLE=2/2s)', () => {
  it('429 first, then the owner signs in again after Retry-After', async () => {
    const t = await buildAuthApp({ RATE_LIMIT: 'on', LOGIN_THROTTLE: '2/2s' });
    try {
      const email = uniqueEmail();
      await register(t, email);
      for (let i = 0; i < 2; i++) await signIn(t, 'token', email, WRONG);
      expectThrottled(await signIn(t, 'token', email, PASSWORD), 2);
      const took = await within(
        6000,
        async () => (await signIn(t, 'token', email, PASSWORD)).statusCode === 200,
      );
      expect(took).toBeDefined();
    } finally {
      await t.close();
    }
  });
});

describe('enumeration (argon2id at its production cost)', () => {
  let t: TestApp;
  let email: string;
  let inactive: string;
  beforeAll(async () => {
    t = await buildAuthApp({ ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2' });
    email = uniqueEmail();
    inactive = uniqueEmail();
    await register(t, email);
    const id = await register(t, inactive);
    await t.db.database.db.update(accounts).set({ isActive: false }).where(eq(accounts.id, id));
  });
  afterAll(() => t?.close());

  const VARIABLE_HEADERS = new Set(['date', 'x-request-id']);
  const comparable = (res: Awaited<ReturnType<typeof signIn>>) => {
    const headers = Object.fromEntries(
      Object.entries(res.headers).filter(([name]) => !VARIABLE_HEADERS.has(name)),
    );
    const body = res.headers['content-type']?.toString().includes('json')
      ? { ...res.json(), request_id: undefined }
      : res.body;
    return { status: res.statusCode, headers, body };
  };

  it.each<Via>(['token', 'login', 'basic'])(
    'via %s: unknown email, wrong password and inactive account answer alike',
    async (via) => {
      const wrong = comparable(await signIn(t, via, email, WRONG));
      expect(wrong.status).toBe(401);
      expect(comparable(await signIn(t, via, uniqueEmail('ghost'), WRONG))).toEqual(wrong);
      expect(comparable(await signIn(t, via, inactive, PASSWORD))).toEqual(wrong);
    },
  );

  it('an unknown email costs a full argon2 verification, like a wrong password', async () => {
    const [row] = await t.db.database.db.select().from(accounts).where(eq(accounts.email, email));
    const hasher = t.app.auth.rt.hasher;
    // Interleaved, best of five each: a burst of load during one measurement would otherwise inflate the
    // baseline alone (seen at load average 30) and make the comparison fail for no fault of the code.
    const best = { verify: Infinity, unknown: Infinity, wrong: Infinity };
    const time = async (key: keyof typeof best, run: () => Promise<unknown>) => {
      const start = performance.now();
      await run();
      best[key] = Math.min(best[key], performance.now() - start);
    };
    for (let i = 0; i < 5; i++) {
      await time('verify', () => hasher.verify(row!.passwordHash!, WRONG));
      await time('unknown', () => signIn(t, 'token', uniqueEmail('ghost'), WRONG));
      await time('wrong', () => signIn(t, 'token', email, WRONG));
    }
    const { verify, unknown, wrong } = best;
    expect(verify).toBeGreaterThan(5);
    // Lower bounds only: a loaded machine makes requests slower, never faster than the work they do.
    expect(unknown).toBeGreaterThan(verify * 0.5);
    expect(wrong).toBeGreaterThan(verify * 0.5);
  });
});
