import type { AccountRow } from '../accounts/accounts.repository.ts';
import type { Role } from '../../db/schema/accounts.ts';
import type { Scope } from './scopes.ts';

export type AuthMethod = 'bearer' | 'api_key' | 'session' | 'basic';

/** The account fields every scheme resolves to; fresh within the revocation cache's bound. */
export interface PrincipalAccount {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly Role[];
  readonly emailVerified: boolean;
  readonly createdAt: Date;
}

/** The principal's view of a live account row (one whose email has not been erased). */
export function toPrincipalAccount(row: AccountRow & { email: string }): PrincipalAccount {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles,
    emailVerified: row.emailVerified,
    createdAt: row.createdAt,
  };
}

/** Who is calling and how: the one model all five schemes resolve to. */
export interface Principal {
  readonly account: PrincipalAccount;
  readonly roles: readonly Role[];
  readonly scopes: readonly Scope[];
  readonly authMethod: AuthMethod;
  /** The session (refresh family or cookie session) behind a bearer token or cookie. */
  readonly sessionId?: string;
  readonly apiKeyId?: string;
  /**
   * The password was proven recently: in this very request (Basic), or by the sign-in that started the
   * session within REAUTH_WINDOW. Never for an API key. Sensitive changes need it, or the password again.
   */
  readonly fresh?: boolean;
}

export const isAdmin = (principal: Principal): boolean => principal.roles.includes('admin');

/** Admin powers need both the role and a credential that carries the `admin` scope. */
export const actsAsAdmin = (principal: Principal): boolean =>
  isAdmin(principal) && principal.scopes.includes('admin');

/** True when the principal may act on resources owned by `ownerId` (its own, or any as an admin). */
export const canActFor = (principal: Principal, ownerId: string): boolean =>
  principal.account.id === ownerId || actsAsAdmin(principal);
