import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisUp, REDIS_URL } from '../../../test/helpers/redis.ts';
import { AppError } from '../errors/app-error.ts';
import { createLimiter, type Limiter } from './limiter.ts';

const clients: Redis[] = [];
afterAll(() => clients.forEach((c) => c.disconnect()));

/** A client as `connectRedis` makes it, under a key prefix of its own. */
function redis(url: string, prefix = `test-${randomUUID()}:`): Redis {
  const client = new Redis(url, { keyPrefix: prefix, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}
const ready = (client: Redis) =>
  client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', resolve));

/** How many of `n` parallel consumes passed; every refusal must be a 429 with Retry-After. */
async function passed(limiter: Limiter, key: string, n: number): Promise<number> {
  const results = await Promise.allSettled(
    Array.from({ length: n }, () => limiter.consume(key, 'slow down')),
  );
  for (const r of results) {
    if (r.status === 'rejected') {
      expect(r.reason).toBeInstanceOf(AppError);
      expect((r.reason as AppError).code).toBe('RATE_LIMITED');
      expect(Number((r.reason as AppError).headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  }
  return results.filter((r) => r.status === 'fulfilled').length;
}

const LIMIT = { max: 3, windowSeconds: 60 };

describe('createLimiter', () => {
  it('in memory: parallel consumes pass up to the limit; reward gives one back, delete all', async () => {
    const limiter = createLimiter(undefined, 'unit', LIMIT, true);
    expect(await passed(limiter, 'k', 20)).toBe(3);
    await limiter.reward('k');
    expect(await passed(limiter, 'k', 5)).toBe(0); // 20 were taken: one back is not enough
    await limiter.delete('k');
    expect(await passed(limiter, 'k', 5)).toBe(3);
  });

  it('control: RATE_LIMIT=off never refuses', async () => {
    const limiter = createLimiter(undefined, 'unit', LIMIT, false);
    expect(await passed(limiter, 'k', 20)).toBe(20);
  });

  it.skipIf(!redisUp)('in Redis: two instances share one count, atomically', async () => {
    const prefix = `test-${randomUUID()}:`;
    const [a, b] = [redis(REDIS_URL, prefix), redis(REDIS_URL, prefix)];
    await Promise.all([ready(a), ready(b)]);
    const one = createLimiter(a, 'unit', LIMIT, true);
    const two = createLimiter(b, 'unit', LIMIT, true);
    const [x, y] = await Promise.all([passed(one, 'k', 10), passed(two, 'k', 10)]);
    expect(x + y).toBe(3);
  });

  it('with Redis unreachable: counts in memory instead of failing or letting everything through', async () => {
    const down = redis('redis://127.0.0.1:1');
    const limiter = createLimiter(down, 'unit', LIMIT, true);
    expect(await passed(limiter, 'k', 10)).toBe(3);
  });
});
