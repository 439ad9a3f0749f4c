// POST /v1/auth/register hashes the password before it can tell a duplicate: registrations are bounded per
// client address (REGISTER_THROTTLE), counted atomically, and unbounded with RATE_LIMIT=off.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema/accounts.ts';
import type { TestApp } from '../helpers/app.ts';
import { PASSWORD, uniqueEmail } from '../helpers/auth.ts';
import { buildAuthApp, expectProblem } from './setup.ts';

let address = 0;
const nextIp = () => `10.8.${Math.floor(++address / 250)}.${(address % 250) + 1}`;

const register = (t: TestApp, email: string, remoteAddress: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    remoteAddress,
    payload: { email, password: PASSWORD },
  });
const exists = async (t: TestApp, email: string) =>
  (await t.db.database.db.select({ n: count() }).from(accounts).where(eq(accounts.email, email)))[0]!.n === 1;

describe('REGISTER_THROTTLE=3/1m', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildAuthApp({ RATE_LIMIT: 'on', REGISTER_THROTTLE: '3/1m' });
  });
  afterAll(() => t?.close());

  it('3 attempts per address (a duplicate counts too), then 429 with Retry-After and no account', async () => {
    const ip = nextIp();
    const first = uniqueEmail();
    expect((await register(t, first, ip)).statusCode).toBe(201);
    expect((await register(t, first, ip)).statusCode).toBe(409);
    expect((await register(t, uniqueEmail(), ip)).statusCode).toBe(201);
    const late = uniqueEmail();
    const res = await register(t, late, ip);
    expectProblem(res, 429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await exists(t, late)).toBe(false);
    // Control: another address registers.
    expect((await register(t, late, nextIp())).statusCode).toBe(201);
  });

  it('20 parallel registrations from one address create at most 3 accounts', async () => {
    const ip = nextIp();
    const emails = Array.from({ length: 20 }, () => uniqueEmail('burst'));
    const answers = await Promise.all(emails.map((email) => register(t, email, ip)));
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    const created = await Promise.all(emails.map((email) => exists(t, email)));
    expect(created.filter(Boolean)).toHaveLength(3);
  });
});

describe('RATE_LIMIT=off', () => {
  it('control: registrations past REGISTER_THROTTLE all pass', async () => {
    const t = await buildAuthApp({ RATE_LIMIT: 'off', REGISTER_THROTTLE: '2/1h' });
    try {
      const ip = nextIp();
      for (let i = 0; i < 4; i++) expect((await register(t, uniqueEmail(), ip)).statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });
});
