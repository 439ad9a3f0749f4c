import { isUniqueViolation } from '../../core/db/errors.ts';
import { conflict, forbidden, notFound } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import type { Config } from '../../core/config/config.ts';
import type { Db } from '../../core/db/database.ts';
import * as accounts from '../accounts/index.ts';
import { canActFor, type Principal } from '../../core/principal.ts';
import * as repo from './identities.repository.ts';
import type { ExternalIdentity } from './oidc-client.ts';

export const ALREADY_LINKED = 'This identity is already linked to another account; unlink it there first.';
/** The database and settings the link rules need (an `IdentitiesRuntime` is one). */
export interface LinksRuntime {
  readonly db: Db;
  readonly config: Config;
}

export const NO_MERGE =
  'An account with this email already exists. It is never merged automatically: sign in to it another way, then link this identity from there.';
export const UNVERIFIED =
  'The provider did not verify this email, so it neither matches an existing account nor creates one. Sign in another way and link this identity from there.';
export const NOT_LINKED =
  'No account is linked to this identity. Sign in another way and link it from there.';
const RACED = 'This identity was linked by another request at the same moment; sign in again.';
export const LAST_WAY_IN =
  'This is the only way to sign in to this account: set a password or link another identity before removing it.';

/** Links an identity to an account; idempotent for the same account, 409 when another account has it. */
export async function linkIdentity(
  rt: LinksRuntime,
  accountId: string,
  provider: string,
  identity: ExternalIdentity,
): Promise<repo.LinkRow> {
  const account = await accounts.findById(rt.db, accountId);
  if (!account?.isActive) throw forbidden('This account cannot link identities.');
  const existing = await repo.findLink(rt.db, provider, identity.subject);
  if (existing) return relink(rt, existing, accountId, identity);
  try {
    return await repo.insertLink(rt.db, {
      id: newId(),
      accountId,
      provider,
      subject: identity.subject,
      email: identity.email,
      emailVerified: identity.emailVerified,
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent callback linked it first: same answer as if it had been there before.
    const winner = await repo.findLink(rt.db, provider, identity.subject);
    if (!winner) throw error;
    return relink(rt, winner, accountId, identity);
  }
}

async function relink(rt: LinksRuntime, link: repo.LinkRow, accountId: string, identity: ExternalIdentity) {
  if (link.accountId !== accountId) throw conflict(ALREADY_LINKED);
  await repo.updateLinkEmail(rt.db, link.id, identity.email, identity.emailVerified);
  return { ...link, email: identity.email, emailVerified: identity.emailVerified };
}

/**
 * The account an identity signs in to: the one it is linked to; else, with OIDC_CREATE_ACCOUNTS and a
 * provider-verified email no account has, a new one. Never merged into an existing account by email.
 */
export async function accountForSignIn(
  rt: LinksRuntime,
  provider: string,
  identity: ExternalIdentity,
): Promise<accounts.AccountRow> {
  const link = await repo.findLink(rt.db, provider, identity.subject);
  const account = link
    ? await accounts.findById(rt.db, link.accountId)
    : await createFor(rt, provider, identity);
  if (!account?.isActive) throw forbidden('This account is disabled.');
  if (rt.config.requireEmailVerification && !account.emailVerified) {
    throw forbidden('Verify the email address of this account before signing in.');
  }
  if (link) await repo.updateLinkEmail(rt.db, link.id, identity.email, identity.emailVerified);
  return account;
}

async function createFor(rt: LinksRuntime, provider: string, identity: ExternalIdentity) {
  // Checked before anything else, and the same whether an account has the email or not: an unverified
  // claim reveals nothing.
  if (!identity.email || !identity.emailVerified) throw forbidden(UNVERIFIED);
  if (await accounts.findByEmail(rt.db, identity.email)) throw conflict(NO_MERGE);
  if (!rt.config.oidcCreateAccounts) throw forbidden(NOT_LINKED);
  const email = identity.email;
  try {
    return await rt.db.transaction(async (tx) => {
      const account = await accounts.insert(tx, {
        id: newId(),
        email,
        name: identity.name,
        emailVerified: true,
        passwordHash: null,
        roles: ['user'],
      });
      await repo.insertLink(tx, {
        id: newId(),
        accountId: account.id,
        provider,
        subject: identity.subject,
        email,
        emailVerified: true,
      });
      return account;
    });
  } catch (error) {
    // A concurrent request took the email, or linked the identity (then signing in again just works).
    if (isUniqueViolation(error, 'linked_identities_provider_subject')) throw conflict(RACED);
    if (isUniqueViolation(error)) throw conflict(NO_MERGE);
    throw error;
  }
}

/** The links of an account, for itself or an admin; anyone else gets 404. */
export async function listLinks(
  rt: LinksRuntime,
  principal: Principal,
  accountId: string,
): Promise<repo.LinkRow[]> {
  if (!canActFor(principal, accountId) || !(await accounts.findById(rt.db, accountId)))
    throw notFound('account');
  return repo.listLinks(rt.db, accountId);
}

/** Removes a link, unless it is the last way into an account without a password (409). */
export async function unlink(
  rt: LinksRuntime,
  principal: Principal,
  accountId: string,
  linkId: string,
): Promise<void> {
  if (!canActFor(principal, accountId)) throw notFound('account');
  await rt.db.transaction(async (tx) => {
    // The account row lock serialises two removals that would each leave the other as the last link.
    const account = await accounts.findByIdForUpdate(tx, accountId);
    if (!account) throw notFound('account');
    const links = await repo.listLinks(tx, accountId);
    if (!links.some((l) => l.id === linkId)) throw notFound('link');
    if (!account.passwordHash && links.length === 1) throw conflict(LAST_WAY_IN);
    await repo.deleteLink(tx, accountId, linkId);
  });
}
