import type { Limiter } from '../../../core/rate-limit/limiter.ts';

const TOO_MANY = 'Too many requests for mail from this address; try again later.';

/**
 * Bounds the anonymous mail-asking requests (password forgotten, public resend) per client address. The
 * count ignores which email was asked for, so its 429 tells nothing about which accounts exist.
 */
export class AddressLimit {
  private readonly limit: Limiter;

  constructor(limit: Limiter) {
    this.limit = limit;
  }

  /** Counts one request from `ip`; throws 429 with `Retry-After` past the limit. */
  hit(ip: string): Promise<void> {
    return this.limit.consume(`ip:${ip}`, TOO_MANY);
  }
}
