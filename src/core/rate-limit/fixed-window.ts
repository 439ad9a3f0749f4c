import { AppError } from '../errors/app-error.ts';
import type { CounterStore } from './counters.ts';

/**
 * A fixed-window limit over shared counters: at most `max` events per key per window, then 429 with
 * `Retry-After` until the window ends. Disabled (a no-op) with RATE_LIMIT=off.
 * @example await new FixedWindowLimit(counters, { max: 10, windowSeconds: 900 }, true).hit('ip:1.2.3.4', 'Too many requests.')
 */
export class FixedWindowLimit {
  private readonly counters: CounterStore;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly enabled: boolean;

  constructor(counters: CounterStore, limit: { max: number; windowSeconds: number }, enabled: boolean) {
    this.counters = counters;
    this.max = limit.max;
    this.windowMs = limit.windowSeconds * 1000;
    this.enabled = enabled;
  }

  /** Counts one event for `key`; throws 429 once the count passes the limit. */
  async hit(key: string, message: string): Promise<void> {
    if (!this.enabled) return;
    const state = await this.counters.hit(key, this.windowMs);
    if (state.count > this.max) throw rateLimited(message, state.resetMs);
  }

  /** Throws 429 if any of the keys has already used up its limit (without counting). */
  async check(keys: readonly string[], message: string): Promise<void> {
    if (!this.enabled) return;
    const states = await Promise.all(keys.map((key) => this.counters.peek(key)));
    const blocked = states.filter((s) => s.count >= this.max);
    if (blocked.length > 0) throw rateLimited(message, Math.max(...blocked.map((s) => s.resetMs)));
  }

  /** Counts one event for each key, without checking. */
  async count(keys: readonly string[]): Promise<void> {
    if (!this.enabled) return;
    await Promise.all(keys.map((key) => this.counters.hit(key, this.windowMs)));
  }

  async reset(key: string): Promise<void> {
    if (!this.enabled) return;
    await this.counters.reset(key);
  }
}

function rateLimited(message: string, resetMs: number): AppError {
  return new AppError('RATE_LIMITED', message, {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(resetMs / 1000))) },
  });
}
