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

/** Starts a refresh-token family (the `password` grant) and returns its id and first refresh token. */
export async function startTokenSession(
  db: Db,
  accountId: string,
  scope: string,
  ttlSeconds: number,
  client: ClientInfo,
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = newId();
  const refreshToken = randomToken();
  await repo.insertTokenSession(db, {
    sessionId,
    accountId,
    scope,
    userAgent: clip(client.userAgent, 256),
    ip: clip(client.ip, 64),
    authenticatedAt: new Date(),
    expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    refreshId: newId(),
    tokenHash: sha256(refreshToken),
  });
  return { sessionId, refreshToken };
}

/**
 * Uses a refresh token once: marks it used and issues its successor. Presenting a token that was already
 * used means it was stolen or replayed: the whole family is revoked (and with it its access tokens).
 */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  ttlSeconds: number,
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
    if (token.expiresAt.getTime() <= Date.now() || session.expiresAt.getTime() <= Date.now()) {
      return { ok: false, reason: 'expired', sessionId: session.id } as const;
    }
    await repo.markRefreshTokenUsed(tx, token.id);
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const refreshToken = randomToken();
    await repo.insertRefreshToken(tx, {
      id: newId(),
      sessionId: session.id,
      tokenHash: sha256(refreshToken),
      expiresAt,
    });
    await repo.touchSession(tx, session.id, expiresAt);
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
  const session = await repo.insertSession(db, {
    id: newId(),
    accountId,
    kind: 'cookie',
    tokenHash: sha256(cookie),
    userAgent: clip(client.userAgent, 256),
    ip: clip(client.ip, 64),
    authenticatedAt: client.byPassword ? new Date() : null,
    expiresAt: new Date(Date.now() + maxAgeSeconds * 1000),
  });
  return { session, cookie };
}
