import { randomToken, sha256 } from '../../core/crypto/tokens.ts';
import type { Db, DbOrTx } from '../../core/db/database.ts';
import { newId } from '../../core/ids.ts';
import * as repo from './sessions.repository.ts';

export interface ClientInfo {
  readonly userAgent?: string | undefined;
  readonly ip?: string | undefined;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly session: repo.SessionRow; readonly refreshToken: string }
  | {
      readonly ok: false;
      readonly reason: 'unknown' | 'expired' | 'revoked' | 'reused';
      readonly sessionId?: string;
    };

const clip = (value: string | undefined, max: number) => (value ? value.slice(0, max) : null);

/**
 * How long a sign-in lasts: each refresh token lives `refreshTtlSeconds`, and the whole family ends
 * `maxAgeSeconds` after the sign-in however often it is refreshed (SESSION_MAX_AGE).
 */
export interface TokenLifetimes {
  readonly refreshTtlSeconds: number;
  readonly maxAgeSeconds: number;
}

/** Whether a session started at `createdAt` is past its absolute lifetime (SESSION_MAX_AGE) at `now`. */
export const pastMaxAge = (createdAtMs: number, maxAgeSeconds: number, now = Date.now()): boolean =>
  createdAtMs + maxAgeSeconds * 1000 <= now;

/** Starts a refresh-token family (the `password` grant) and returns its id and first refresh token. */
export async function startTokenSession(
  db: Db,
  accountId: string,
  scope: string,
  lifetimes: TokenLifetimes,
  client: ClientInfo,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = newId();
  const refreshToken = randomToken();
  const now = Date.now();
  // The family's end is fixed here, at the sign-in; its first refresh token cannot outlive it.
  const sessionEnd = now + lifetimes.maxAgeSeconds * 1000;
  await repo.insertTokenSession(db, {
    sessionId,
    accountId,
    scope,
    userAgent: clip(client.userAgent, 256),
    ip: clip(client.ip, 64),
    createdAt: new Date(now),
    sessionExpiresAt: new Date(sessionEnd),
    expiresAt: new Date(Math.min(now + lifetimes.refreshTtlSeconds * 1000, sessionEnd)),
    refreshId: newId(),
    tokenHash: sha256(refreshToken),
  });
  return { sessionId, refreshToken };
}

/**
 * Uses a refresh token once: marks it used and issues its successor. Presenting a token that was already
 * used means it was stolen or replayed: the whole family is revoked (and with it its access tokens). The
 * family's end stays where the sign-in put it: a successor never outlives it.
 */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  lifetimes: TokenLifetimes,
): Promise<RefreshOutcome> {
  return db.transaction(async (tx) => {
    const found = await repo.lockRefreshToken(tx, sha256(presented));
    if (!found) return { ok: false, reason: 'unknown' } as const;
    const { token, session } = found;
    if (session.revokedAt) return { ok: false, reason: 'revoked', sessionId: session.id } as const;
    if (token.usedAt) {
      await repo.revokeSession(tx, session.id, 'refresh_token_reuse');
      return { ok: false, reason: 'reused', sessionId: session.id } as const;
    }
    const now = Date.now();
    // The creation time too: a lower SESSION_MAX_AGE applies to families started before it was set.
    const sessionEnd = Math.min(
      session.expiresAt.getTime(),
      session.createdAt.getTime() + lifetimes.maxAgeSeconds * 1000,
    );
    if (token.expiresAt.getTime() <= now || sessionEnd <= now) {
      return { ok: false, reason: 'expired', sessionId: session.id } as const;
    }
    await repo.markRefreshTokenUsed(tx, token.id);
    const expiresAt = new Date(Math.min(now + lifetimes.refreshTtlSeconds * 1000, sessionEnd));
    const refreshToken = randomToken();
    await repo.insertRefreshToken(tx, {
      id: newId(),
      sessionId: session.id,
      tokenHash: sha256(refreshToken),
      expiresAt,
    });
    await repo.touchSession(tx, session.id);
    return { ok: true, session, refreshToken } as const;
  });
}

/**
 * Starts a cookie session; the cookie value is returned once and only its hash is stored. `byPassword`:
 * the sign-in checked the password (cookie login), which makes the session fresh for REAUTH_WINDOW; an
 * OpenID Connect sign-in did not.
 */
export async function startCookieSession(
  db: DbOrTx,
  accountId: string,
  maxAgeSeconds: number,
  client: ClientInfo & { readonly byPassword?: boolean },
): Promise<{ session: repo.SessionRow; cookie: string }> {
  const cookie = randomToken();
  const now = Date.now();
  const session = await repo.insertSession(db, {
    id: newId(),
    accountId,
    kind: 'cookie',
    tokenHash: sha256(cookie),
    userAgent: clip(client.userAgent, 256),
    ip: clip(client.ip, 64),
    authenticatedAt: client.byPassword ? new Date(now) : null,
    createdAt: new Date(now),
    lastUsedAt: new Date(now),
    expiresAt: new Date(now + maxAgeSeconds * 1000),
  });
  return { session, cookie };
}
