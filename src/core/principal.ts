import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { accounts, Role } from '../db/schema/accounts.ts';
import { AppError } from './errors/app-error.ts';
import { ANY_PRINCIPAL } from './http/openapi.plugin.ts';
import type { Scope } from './scopes.ts';

type AccountRow = typeof accounts.$inferSelect;

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

/**
 * Who is calling and how: the one model all five schemes resolve to. It lives in core because every module
 * decides ownership with it (`canActFor`), and modules must not import the auth module's internals.
 */
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

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface Requirement {
  /** A scope the credential must carry (`admin` implies the admin role). */
  readonly scope?: Scope;
}

/**
 * The preHandler factory a protected route declares (built by the auth module, passed to every module):
 * 401 without a valid credential, 403 without the scope.
 * @example app.get('/v1/things', { preHandler: guard({ scope: 'accounts:read' }), schema: { security: SECURED } }, handler)
 */
export type Guard = (requirement?: Requirement) => preHandlerAsyncHookHandler;

/**
 * Asks for the password again before a sensitive change (email change, new API key), on the assumption
 * that any one credential may be stolen. Built by the auth module and passed to the modules that need it:
 * passes with the caller's `currentPassword` (checked under the sign-in throttle; a wrong one is 422 at
 * `/body/current_password`) or, without it, a fresh principal; otherwise 403 REAUTHENTICATION_REQUIRED.
 * @example await reauthenticate(principal, request.body.current_password, request.ip)
 */
export type Reauthenticate = (
  principal: Principal,
  currentPassword: string | undefined,
  ip: string,
) => Promise<void>;

/** The `detail` of the 403 that a fresh password would lift. */
export const REAUTHENTICATE =
  'Re-authentication is needed: send current_password with the request, or sign in with the password again (a sign-in counts for REAUTH_WINDOW, 10 minutes by default).';

/** 403 `urn:bulwark:problem:reauthentication-required`: the client asks for the password and retries. */
export const reauthenticationRequired = (detail = REAUTHENTICATE): AppError =>
  new AppError('REAUTHENTICATION_REQUIRED', detail);

/** The principal a guarded handler runs for. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Authentication is required.');
  return request.principal;
}

/** The OpenAPI `security` of a guarded route: every scheme works. */
export const SECURED = ANY_PRINCIPAL;
