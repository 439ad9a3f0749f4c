import type { FixedWindowLimit } from '../../core/rate-limit/fixed-window.ts';

const TOO_MANY = 'Too many failed sign-in attempts; try again later.';

/**
 * Throttles failed sign-ins per account and per client address (`LOGIN_THROTTLE`, e.g. 5/15m). Past the
 * limit every attempt is 429 with `Retry-After` until the window ends — never a permanent lock-out — and a
 * successful sign-in clears the account's counter.
 */
export class LoginThrottle {
  private readonly limit: FixedWindowLimit;

  constructor(limit: FixedWindowLimit) {
    this.limit = limit;
  }

  /** Throws 429 when the account or the address has used up its failures. */
  check(email: string, ip: string): Promise<void> {
    return this.limit.check([accountKey(email), addressKey(ip)], TOO_MANY);
  }

  failed(email: string, ip: string): Promise<void> {
    return this.limit.count([accountKey(email), addressKey(ip)]);
  }

  succeeded(email: string): Promise<void> {
    return this.limit.reset(accountKey(email));
  }
}

const accountKey = (email: string) => `login:account:${email.toLowerCase()}`;
const addressKey = (ip: string) => `login:ip:${ip}`;
