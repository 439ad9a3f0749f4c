import { TtlCache } from '../../core/cache/ttl-cache.ts';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../core/db/database.ts';
import { accounts as accountsTable } from '../../db/schema/accounts.ts';
import { sessions as sessionsTable } from '../../db/schema/sessions.ts';
import { toPrincipalAccount, type PrincipalAccount } from '../../core/principal.ts';
import type { SessionRow } from './sessions.repository.ts';

/** How stale revocation state may be on an instance that did not make the change itself. */
export const REVOCATION_BOUND_MS = 2000;

export interface AccountState {
  readonly account: PrincipalAccount;
  readonly isActive: boolean;
  readonly tokensValidAfterMs: number;
}

export interface SessionState {
  readonly id: string;
  readonly accountId: string;
  readonly kind: 'token' | 'cookie';
  readonly revoked: boolean;
  /** The sign-in: SESSION_MAX_AGE counts from here. */
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly lastUsedAtMs: number;
  /** When its sign-in checked the password; null when it did not (OpenID Connect). */
  readonly authenticatedAtMs: number | null;
}

/**
 * What every authenticated request must know fresh enough — is the account active, which roles, which
 * sessions are revoked — cached for at most REVOCATION_BOUND_MS, so revocation reaches every instance
 * within that bound without a database round trip per request. The instance that makes a change drops
 * its entries at once (and tells the others through Redis when configured).
 */
export class AccountStateCache {
  private readonly accounts = new TtlCache<string, AccountState | null>(REVOCATION_BOUND_MS, 50_000);
  private readonly sessions = new TtlCache<string, SessionState | null>(REVOCATION_BOUND_MS, 50_000);
  private readonly byCookie = new TtlCache<string, SessionState | null>(REVOCATION_BOUND_MS, 50_000);
  // Built once: Drizzle otherwise spends a large share of a lookup building the SQL text.
  private readonly findAccount;
  private readonly findSession;
  private readonly findCookieSession;

  constructor(db: Db) {
    this.findAccount = db
      .select()
      .from(accountsTable)
      .where(and(eq(accountsTable.id, sql.placeholder('id')), isNull(accountsTable.deletedAt)))
      .limit(1)
      .prepare('auth_account_state');
    this.findSession = db
      .select()
      .from(sessionsTable)
      .where(eq(sessionsTable.id, sql.placeholder('id')))
      .limit(1)
      .prepare('auth_session_state');
    this.findCookieSession = db
      .select()
      .from(sessionsTable)
      .where(eq(sessionsTable.tokenHash, sql.placeholder('hash')))
      .limit(1)
      .prepare('auth_cookie_session_state');
  }

  /**
   * Lookups of the same key share one query: when an entry expires under load, every request that finds it
   * missing waits for the query already running instead of starting its own (a burst of identical queries
   * per expiry, every REVOCATION_BOUND_MS). A lookup that began before an invalidation is neither shared
   * with later requests nor cached: they query afresh.
   */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Bumped by every invalidation; a lookup caches its row only if none happened while it ran. */
  private generation = 0;

  private load<T>(
    cache: TtlCache<string, T>,
    flightKey: string,
    key: string,
    query: () => Promise<T>,
  ): Promise<T> {
    const running = this.inFlight.get(flightKey) as Promise<T> | undefined;
    if (running) return running;
    const generation = this.generation;
    const lookup = query().then(
      (value) => {
        if (this.inFlight.get(flightKey) === lookup) this.inFlight.delete(flightKey);
        return generation === this.generation ? cache.set(key, value) : value;
      },
      (error: unknown) => {
        if (this.inFlight.get(flightKey) === lookup) this.inFlight.delete(flightKey);
        throw error;
      },
    );
    this.inFlight.set(flightKey, lookup);
    return lookup;
  }

  async account(id: string): Promise<AccountState | null> {
    const cached = this.accounts.get(id);
    if (cached !== undefined) return cached;
    return this.load(this.accounts, `a:${id}`, id, async () => {
      const [row] = await this.findAccount.execute({ id });
      return row && row.email
        ? {
            account: toPrincipalAccount({ ...row, email: row.email }),
            isActive: row.isActive,
            tokensValidAfterMs: row.tokensValidAfter.getTime(),
          }
        : null;
    });
  }

  async session(id: string): Promise<SessionState | null> {
    const cached = this.sessions.get(id);
    if (cached !== undefined) return cached;
    return this.load(this.sessions, `s:${id}`, id, async () => {
      const [row] = await this.findSession.execute({ id });
      return toState(row);
    });
  }

  async cookieSession(tokenHash: string): Promise<SessionState | null> {
    const cached = this.byCookie.get(tokenHash);
    if (cached !== undefined) return cached;
    return this.load(this.byCookie, `c:${tokenHash}`, tokenHash, async () => {
      const [row] = await this.findCookieSession.execute({ hash: tokenHash });
      return toState(row);
    });
  }

  invalidateAccount(accountId: string): void {
    this.forgetInFlight();
    this.accounts.delete(accountId);
    this.sessions.deleteWhere((s) => s?.accountId === accountId);
    this.byCookie.deleteWhere((s) => s?.accountId === accountId);
  }

  invalidateSession(sessionId: string): void {
    this.forgetInFlight();
    this.sessions.delete(sessionId);
    this.byCookie.deleteWhere((s) => s?.id === sessionId);
  }

  /** Lookups under way may have read the state from before the change: later requests must not share them. */
  private forgetInFlight(): void {
    this.generation++;
    this.inFlight.clear();
  }
}

function toState(row: SessionRow | undefined): SessionState | null {
  if (!row) return null;
  return {
    id: row.id,
    accountId: row.accountId,
    kind: row.kind,
    revoked: row.revokedAt !== null,
    createdAtMs: row.createdAt.getTime(),
    expiresAtMs: row.expiresAt.getTime(),
    lastUsedAtMs: row.lastUsedAt.getTime(),
    authenticatedAtMs: row.authenticatedAt?.getTime() ?? null,
  };
}
