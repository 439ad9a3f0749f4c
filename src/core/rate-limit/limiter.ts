import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { AppError } from '../errors/app-error.ts';

/** `N/window` as LOGIN_THROTTLE, REGISTER_THROTTLE, … give it: at most `max` points per key per window. */
export interface RateLimit {
  readonly max: number;
  readonly windowSeconds: number;
}

/**
 * A fixed-window limit (rate-limiter-flexible): each `consume` takes one point atomically — an INCR in a
 * Lua script in Redis, a synchronous increment in memory — so parallel requests cannot all pass before any
 * of them is counted. Past `max` it throws 429 with `Retry-After` until the window ends. A no-op with
 * RATE_LIMIT=off.
 * @example
 * const limiter = createLimiter(redis, 'register', { max: 20, windowSeconds: 3600 }, true);
 * await limiter.consume(`ip:${request.ip}`, 'Too many registrations from this address.');
 */
export class Limiter {
  private readonly store: RateLimiterAbstract;
  private readonly enabled: boolean;

  constructor(store: RateLimiterAbstract, enabled: boolean) {
    this.store = store;
    this.enabled = enabled;
  }

  /** Takes one point for `key`; throws 429 when that goes past the limit (the point stays taken). */
  async consume(key: string, message: string): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.store.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(message, rejection.msBeforeNext);
      throw rejection;
    }
  }

  /** Gives one point back (an attempt that turned out legitimate). */
  async reward(key: string): Promise<void> {
    if (!this.enabled) return;
    await this.store.reward(key);
  }

  /** Forgets the key's count altogether. */
  async delete(key: string): Promise<void> {
    if (!this.enabled) return;
    await this.store.delete(key);
  }
}

/**
 * A limiter shared by every instance through Redis when there is one — with an in-memory limiter as its
 * insurance while Redis is unreachable (per instance, so looser, but requests keep being served) — and in
 * memory otherwise. `name` keeps each limit's keys apart.
 */
export function createLimiter(
  redis: Redis | undefined,
  name: string,
  limit: RateLimit,
  enabled: boolean,
): Limiter {
  const options = { keyPrefix: `bulwark:rl:${name}`, points: limit.max, duration: limit.windowSeconds };
  const memory = new RateLimiterMemory(options);
  const store = redis
    ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory })
    : memory;
  return new Limiter(store, enabled);
}

function rateLimited(message: string, msBeforeNext: number): AppError {
  return new AppError('RATE_LIMITED', message, {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(msBeforeNext / 1000))) },
  });
}

/** The count of a key in the current window, and the time until the window ends. */
export interface WindowCount {
  readonly count: number;
  readonly resetMs: number;
}

/**
 * Counts events per key per window with no limit of its own, for limits that differ per key (an API key's
 * own quota): the caller compares the count. Shared through Redis as `createLimiter` is. Not switched off by
 * RATE_LIMIT=off: a quota is a feature the key's owner asked for, not abuse protection.
 * @example const count = createWindowCounter(redis, 'model-quota', 60); if ((await count('key:1')).count > 10) …
 */
export function createWindowCounter(
  redis: Redis | undefined,
  name: string,
  windowSeconds: number,
): (key: string) => Promise<WindowCount> {
  const options = { keyPrefix: `bulwark:rl:${name}`, points: 2 ** 31 - 1, duration: windowSeconds };
  const memory = new RateLimiterMemory(options);
  const store = redis
    ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory })
    : memory;
  return async (key) => {
    const res = await store.consume(key);
    return { count: res.consumedPoints, resetMs: res.msBeforeNext };
  };
}
