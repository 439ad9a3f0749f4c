import type { Redis } from 'ioredis';

export interface CounterState {
  readonly count: number;
  /** Milliseconds until the window ends (0 when the counter is absent). */
  readonly resetMs: number;
}

/** Fixed-window counters: in memory for one instance, in Redis when several share them. */
export interface CounterStore {
  hit(key: string, windowMs: number): Promise<CounterState>;
  peek(key: string): Promise<CounterState>;
  reset(key: string): Promise<void>;
}

const SWEEP_ABOVE = 100_000;

export function createMemoryCounters(): CounterStore {
  const counters = new Map<string, { count: number; resetAt: number }>();
  // Past SWEEP_ABOVE keys, expired entries are dropped — at most once a second: when most keys are still
  // in their window (a spray of distinct emails), sweeping on every hit would scan the map every time.
  // Live counters are never evicted early: that would let a spray reset the counters it is meant to trip.
  let nextSweep = 0;
  const live = (key: string) => {
    const entry = counters.get(key);
    if (entry && entry.resetAt <= Date.now()) {
      counters.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    async hit(key, windowMs) {
      const entry = live(key) ?? { count: 0, resetAt: Date.now() + windowMs };
      entry.count++;
      counters.set(key, entry);
      const now = Date.now();
      if (counters.size > SWEEP_ABOVE && now >= nextSweep) {
        nextSweep = now + 1000;
        for (const [k, e] of counters) if (e.resetAt <= now) counters.delete(k);
      }
      return { count: entry.count, resetMs: entry.resetAt - Date.now() };
    },
    async peek(key) {
      const entry = live(key);
      return entry ? { count: entry.count, resetMs: entry.resetAt - Date.now() } : { count: 0, resetMs: 0 };
    },
    async reset(key) {
      counters.delete(key);
    },
  };
}

/**
 * Counters in Redis, shared by every instance. While Redis is unreachable each instance counts in memory
 * instead: throttling gets looser (per instance), but sign-in keeps working.
 */
export function createRedisCounters(redis: Redis, prefix = 'bulwark:counter:'): CounterStore {
  const shared = redisCounters(redis, prefix);
  const local = createMemoryCounters();
  return {
    hit: (key, windowMs) => shared.hit(key, windowMs).catch(() => local.hit(key, windowMs)),
    peek: (key) => shared.peek(key).catch(() => local.peek(key)),
    reset: (key) => shared.reset(key).catch(() => local.reset(key)),
  };
}

function redisCounters(redis: Redis, prefix: string): CounterStore {
  return {
    async hit(key, windowMs) {
      const k = prefix + key;
      const result = await redis.multi().incr(k).pexpire(k, windowMs, 'NX').pttl(k).exec();
      const count = Number(result?.[0]?.[1] ?? 1);
      const ttl = Number(result?.[2]?.[1] ?? windowMs);
      return { count, resetMs: ttl > 0 ? ttl : windowMs };
    },
    async peek(key) {
      const k = prefix + key;
      const [count, ttl] = await Promise.all([redis.get(k), redis.pttl(k)]);
      return { count: Number(count ?? 0), resetMs: ttl > 0 ? ttl : 0 };
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}
