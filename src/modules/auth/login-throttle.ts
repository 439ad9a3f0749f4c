import type { Limiter } from '../../core/rate-limit/limiter.ts';

const TOO_MANY = 'Too many failed sign-in attempts; try again later.';

/**
 * Throttles password attempts per account and per client address (`LOGIN_THROTTLE`, e.g. 5/15m). Each
 * attempt takes its point *before* the password is checked — atomically, so parallel guesses cannot all
 * pass a peek and be verified — and a correct password gives it back. Past the limit every attempt is 429
 * with `Retry-After` until the window ends: never a permanent lock-out.
 */
export class LoginThrottle {
  private readonly limiter: Limiter;

  constructor(limiter: Limiter) {
    this.limiter = limiter;
  }

  /**
   * Counts one attempt for the address, then for the account; throws 429 when either is used up. The
   * address goes first so that a blocked address spends none of the account's points.
   */
  async attempt(email: string, ip: string): Promise<void> {
    await this.limiter.consume(addressKey(ip), TOO_MANY);
    await this.limiter.consume(accountKey(email), TOO_MANY);
  }

  /**
   * The password was right (or the owner proved control of the mailbox): the account's earlier failures
   * are forgotten, and the address gets its point back, so many users behind one address can sign in.
   */
  async succeeded(email: string, ip?: string): Promise<void> {
    await Promise.all([
      this.limiter.delete(accountKey(email)),
      ip === undefined ? undefined : this.limiter.reward(addressKey(ip)),
    ]);
  }
}

const accountKey = (email: string) => `account:${email.toLowerCase()}`;
const addressKey = (ip: string) => `ip:${ip}`;
