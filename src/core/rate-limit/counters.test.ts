import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCounters, createRedisCounters } from './counters.ts';

const clients: Redis[] = [];
afterAll(() => clients.forEach((c) => c.disconnect()));

describe('memory counters', () => {
  it('count within a window, then start again', async () => {
    const counters = createMemoryCounters();
    expect((await counters.hit('k', 50)).count).toBe(1);
    expect((await counters.hit('k', 50)).count).toBe(2);
    expect((await counters.peek('k')).count).toBe(2);
    await new Promise((r) => setTimeout(r, 70));
    expect((await counters.peek('k')).count).toBe(0);
    await counters.hit('k', 50);
    await counters.reset('k');
    expect((await counters.peek('k')).count).toBe(0);
  });
});

describe('Redis counters', () => {
  it('share counts through Redis', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    clients.push(redis);
    await redis.connect();
    // One prefix for both: two stores (two instances) sharing the same keys.
    const prefix = `test:${process.pid}:${Date.now()}:`;
    const a = createRedisCounters(redis, prefix);
    const b = createRedisCounters(redis, prefix);
    await a.hit('shared', 10_000);
    const state = await b.hit('shared', 10_000);
    expect(state.count).toBe(2);
    expect(state.resetMs).toBeGreaterThan(0);
    await a.reset('shared');
  });

  it('fall back to counting in memory while Redis is unreachable', async () => {
    // Nothing listens on port 1: every command fails fast.
    const redis = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    clients.push(redis);
    const counters = createRedisCounters(redis);
    expect((await counters.hit('down', 10_000)).count).toBe(1);
    expect((await counters.hit('down', 10_000)).count).toBe(2);
    expect((await counters.peek('down')).count).toBe(2);
  });
});
