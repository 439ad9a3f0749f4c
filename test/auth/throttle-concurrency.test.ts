// Parallel guesses cannot slip past the sign-in throttle: the attempt is counted before the password is
// checked, so of 50 simultaneous wrong guesses at most LOGIN_THROTTLE's count are verified — in memory and
// in Redis, on every route that checks a password.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { PASSWORD, register, signInVia, signUp, uniqueEmail } from '../helpers/auth.ts';
import { buildAuthApp } from './setup.ts';
import { redisUp, REDIS_URL } from '../helpers/redis.ts';

const LIMIT = 5;
const GUESSES = 50;
const WRONG = 'Wr0ng-password-42';

let address = 0;
/** A fresh client address per request: only the account's counter is shared. */
const nextIp = () => `10.9.${Math.floor(++address / 250)}.${(address % 250) + 1}`;

type Via = 'token' | 'login' | 'basic' | 'change';

const STORES: [string, Record<string, string>][] = [
  ['in memory', {}],
  // A key prefix of its own: runs on both databases share the one Redis.
  ['in Redis', { REDIS_URL: `${REDIS_URL}?keyPrefix=bulwark-test-${randomUUID()}:` }],
];

describe.each(STORES)('LOGIN_THROTTLE=%s', (_name, storeEnv) => {
  const skip = 'REDIS_URL' in storeEnv && !redisUp;
  let t: TestApp;
  /** Password verifications (real or dummy) the app ran, counted on its own hasher. */
  let verified = 0;

  beforeAll(async () => {
    if (skip) return;
    t = await buildAuthApp({
      RATE_LIMIT: 'on',
      LOGIN_THROTTLE: `${LIMIT}/15m`,
      REGISTER_THROTTLE: '1000/1m',
      ...storeEnv,
    });
    const hasher = t.app.auth.rt.hasher;
    const verify = hasher.verify.bind(hasher);
    const verifyDummy = hasher.verifyDummy.bind(hasher);
    hasher.verify = (stored, password) => (verified++, verify(stored, password));
    hasher.verifyDummy = (password) => (verified++, verifyDummy(password));
  });
  afterAll(() => t?.close());

  const attempt = async (via: Via, email: string, password: string, remoteAddress: string, auth = {}) => {
    if (via !== 'change') return signInVia(t, via, email, password, remoteAddress);
    return t.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      remoteAddress,
      headers: auth,
      payload: { current_password: password, new_password: 'An0ther-long-passphrase' },
    });
  };
  const FAILED: Record<Via, number> = { token: 401, login: 401, basic: 401, change: 422 };

  it.skipIf(skip).each<Via>(['token', 'login', 'basic', 'change'])(
    'via %s: 50 parallel wrong guesses for one account verify at most the limit, the rest are 429',
    async (via) => {
      const user = await signUp(t);
      // The sign-up's own (successful) sign-in is not counted against the account.
      verified = 0;
      const answers = await Promise.all(
        Array.from({ length: GUESSES }, () => attempt(via, user.email, WRONG, nextIp(), user.headers)),
      );
      const statuses = answers.map((a) => a.statusCode);
      const failed = statuses.filter((s) => s === FAILED[via]).length;
      const throttled = answers.filter((a) => a.statusCode === 429);
      expect(verified).toBeLessThanOrEqual(LIMIT);
      expect(failed).toBe(verified);
      expect(failed + throttled.length).toBe(GUESSES);
      for (const res of throttled) expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // The account stays locked for the window, even with the right password; another account is not.
      expect((await attempt('token', user.email, PASSWORD, nextIp())).statusCode).toBe(429);
      const other = uniqueEmail();
      await register(t, other);
      expect((await attempt('token', other, PASSWORD, nextIp())).statusCode).toBe(200);
    },
  );

  it.skipIf(skip)(
    '50 parallel guesses from one address at many accounts verify at most the limit',
    async () => {
      const ip = nextIp();
      verified = 0;
      const answers = await Promise.all(
        Array.from({ length: GUESSES }, () => attempt('token', uniqueEmail('ghost'), WRONG, ip)),
      );
      const statuses = answers.map((a) => a.statusCode);
      expect(verified).toBeLessThanOrEqual(LIMIT);
      expect(statuses.filter((s) => s === 401)).toHaveLength(verified);
      expect(statuses.filter((s) => s === 429)).toHaveLength(GUESSES - verified);
    },
  );

  it.skipIf(skip)('control: successful sign-ins from one address are never throttled', async () => {
    const email = uniqueEmail();
    await register(t, email);
    const ip = nextIp();
    for (let i = 0; i < LIMIT * 2; i++)
      expect((await attempt('token', email, PASSWORD, ip)).statusCode).toBe(200);
  });
});
