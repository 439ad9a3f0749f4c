import { randomBytes } from 'node:crypto';
import { AppError, notFound } from '../../core/errors/app-error.ts';
import { randomToken, safeEqual, sha256 } from '../../core/crypto/tokens.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { newId } from '../../core/ids.ts';
import { canActFor, type Principal } from '../../core/principal.ts';
import { effectiveScopes, isScope, type Scope } from '../../core/scopes.ts';
import { queueMail, renderMail } from '../mail/index.ts';
import * as repo from './api-keys.repository.ts';

const KEY_FORMAT = /^bwk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  owner_id: string;
  model_names: string[] | null;
  requests_per_minute: number | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The whole key, shown this once. */
  key: string;
}

export function toApiKeyView(row: repo.ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: [...row.scopes],
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    owner_id: row.accountId,
    model_names: row.modelNames ? [...row.modelNames] : null,
    requests_per_minute: row.requestsPerMinute,
  };
}

/**
 * Creates a key for the principal's account: `bwk_<prefix>_<secret>` with 256 bits of secret. Its scopes
 * default to, and may never exceed, what the owner's roles allow (and what the caller itself holds). It
 * expires at `expires_at`, at most `maxTtlSeconds` from now (API_KEY_MAX_TTL), which is also the default.
 * The caller has checked that the credential may mint keys (`assertMayCreateKeys`).
 */
export async function createApiKey(
  db: DbOrTx,
  principal: Principal,
  input: {
    name: string;
    scopes?: string[] | undefined;
    expires_at?: string | undefined;
    model_names?: string[] | undefined;
    requests_per_minute?: number | undefined;
  },
  maxTtlSeconds: number,
): Promise<CreatedApiKey> {
  const allowed = new Set<string>(effectiveScopes(principal.scopes, principal.roles));
  const requested = input.scopes ?? [...allowed];
  const unknown = requested.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    throw new AppError('VALIDATION_FAILED', 'Unknown scope.', {
      errors: unknown.map((s) => ({ path: '/body/scopes', message: `unknown scope ${JSON.stringify(s)}` })),
    });
  }
  const beyond = requested.filter((s) => !allowed.has(s));
  if (beyond.length > 0)
    throw new AppError('FORBIDDEN', `You cannot grant scopes you do not hold: ${beyond.join(', ')}.`);
  const now = Date.now();
  const latest = new Date(now + maxTtlSeconds * 1000);
  const expiresAt = input.expires_at ? new Date(input.expires_at) : latest;
  if (expiresAt.getTime() <= now) {
    throw new AppError('VALIDATION_FAILED', 'The expiry is in the past.', {
      errors: [{ path: '/body/expires_at', message: 'must be in the future' }],
    });
  }
  if (expiresAt > latest) {
    const message = `must be at most ${maxTtlSeconds} s from now (API_KEY_MAX_TTL), before ${latest.toISOString()}`;
    throw new AppError('VALIDATION_FAILED', `The expiry is too far away: it ${message}.`, {
      errors: [{ path: '/body/expires_at', message }],
    });
  }
  const prefix = randomBytes(6).toString('hex');
  const secret = randomToken(32);
  const row = await repo.insert(db, {
    id: newId(),
    accountId: principal.account.id,
    name: input.name,
    prefix,
    secretHash: sha256(secret),
    scopes: [...new Set(requested)],
    expiresAt,
    modelNames: input.model_names ? [...new Set(input.model_names)] : null,
    requestsPerMinute: input.requests_per_minute ?? null,
  });
  return { ...toApiKeyView(row), key: `bwk_${prefix}_${secret}` };
}

/**
 * Refuses to mint a key with an API key (a stolen key must not breed keys that outlive its revocation):
 * 403. The caller then asks for the password again (`requireRecentPassword`).
 */
export function assertMayCreateKeys(principal: Principal): void {
  if (principal.authMethod === 'api_key') {
    throw new AppError(
      'FORBIDDEN',
      'An API key cannot create API keys: sign in with the password (bearer token, session or Basic).',
    );
  }
}

/**
 * Revokes every live key of the account in the caller's transaction and mails the owner the names of those
 * revoked (no keys, no mail): a password reset assumes the account was compromised. Returns their ids; the
 * caller forgets the account's cached keys once committed (`authenticator.forgetAccount`).
 * @example await revokeAllApiKeys(tx, owner, { reason: 'reset', publicUrl: config.publicUrl })
 */
export async function revokeAllApiKeys(
  tx: DbOrTx,
  owner: { readonly id: string; readonly email: string; readonly name: string | null },
  how: { readonly reason: 'reset' | 'change'; readonly publicUrl: string },
): Promise<string[]> {
  const revoked = await repo.revokeAllOf(tx, owner.id);
  if (revoked.length === 0) return [];
  const data = { name: owner.name ?? undefined, keyNames: revoked.map((k) => k.name), reason: how.reason };
  await queueMail(tx, { to: owner.email, ...renderMail('api-keys-revoked', data, how.publicUrl) });
  return revoked.map((k) => k.id);
}

export async function revokeApiKey(db: DbOrTx, principal: Principal, id: string): Promise<repo.ApiKeyRow> {
  const row = await repo.findById(db, id);
  if (!row || row.revokedAt || !canActFor(principal, row.accountId)) throw notFound('API key');
  const revoked = await repo.revoke(db, id);
  if (!revoked) throw notFound('API key');
  return revoked;
}

export interface VerifiedApiKey {
  readonly id: string;
  readonly accountId: string;
  readonly scopes: readonly Scope[];
  readonly expiresAt: Date | null;
}

/** Checks a presented key; undefined when malformed, unknown, wrong, revoked or expired. */
export async function verifyApiKey(db: DbOrTx, presented: string): Promise<VerifiedApiKey | undefined> {
  const match = KEY_FORMAT.exec(presented);
  if (!match) return undefined;
  const row = await repo.findByPrefix(db, match[1]!);
  if (!row || !safeEqual(row.secretHash, sha256(match[2]!))) return undefined;
  if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
  return {
    id: row.id,
    accountId: row.accountId,
    scopes: row.scopes.filter(isScope),
    expiresAt: row.expiresAt,
  };
}
