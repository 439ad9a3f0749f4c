import type { Role } from '../db/schema/accounts.ts';

/** Every scope a token or API key can carry (contract §3). */
export const SCOPES = [
  'accounts:read',
  'accounts:write',
  'certificates:read',
  'certificates:write',
  'animals:write',
  'models:read',
  'models:write',
  'recommendations:read',
  'recommendations:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

const USER_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'admin');

export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);

/** What an account with these roles may do: everything for users, plus `admin` for admins. */
export function scopesForRoles(roles: readonly Role[]): Scope[] {
  return roles.includes('admin') ? [...SCOPES] : [...USER_SCOPES];
}

/** The scopes of a credential, never beyond what its owner's roles allow now. */
export function effectiveScopes(granted: readonly string[], roles: readonly Role[]): Scope[] {
  const allowed = new Set(scopesForRoles(roles));
  return granted.filter((s): s is Scope => isScope(s) && allowed.has(s));
}

/** Parses an OAuth `scope` string; undefined when it names an unknown scope. */
export function parseScopeParam(scope: string | undefined): Scope[] | undefined {
  if (scope === undefined || scope.trim() === '') return [];
  const parts = scope.trim().split(/\s+/);
  return parts.every(isScope) ? [...new Set(parts)] : undefined;
}
