import { eq, sql } from 'drizzle-orm';
import type { Role } from '../../src/db/schema/accounts.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { sessions } from '../../src/db/schema/sessions.ts';
import { toPrincipalAccount, type Principal } from '../../src/core/principal.ts';
import { scopesForRoles } from '../../src/core/scopes.ts';
import type { TestApp } from './app.ts';

/** A password the policy accepts. */
export const PASSWORD = 'Tr0ub4dor&3-horse-staple';

let sequence = 0;
/** A fresh, unique email for this test file. */
export const uniqueEmail = (prefix = 'user'): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${++sequence}@example.com`;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const basic = (email: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`,
});

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  /** A bearer access token from the password grant. */
  readonly token: string;
  readonly refreshToken: string;
  readonly headers: { authorization: string };
}

/** Registers an account through POST /v1/auth/register; returns its id. */
export async function register(
  t: TestApp,
  email: string,
  password = PASSWORD,
  name?: string,
): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, name },
  });
  if (res.statusCode !== 201) throw new Error(`register ${email}: ${res.statusCode} ${res.body}`);
  return res.json().user.id as string;
}

/** The password grant: an access and a refresh token (all the account's scopes unless `scope` narrows them). */
export async function passwordGrant(t: TestApp, email: string, password = PASSWORD, scope?: string) {
  const payload = { grant_type: 'password', username: email, password, ...(scope ? { scope } : {}) };
  const res = await t.app.inject({ method: 'POST', url: '/v1/auth/token', payload });
  if (res.statusCode !== 200) throw new Error(`token for ${email}: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return { accessToken: body.access_token as string, refreshToken: body.refresh_token as string };
}

/** Gives an account roles directly in the database (as `bulwark admin create` would), before its tokens. */
export async function setRoles(t: TestApp, id: string, roles: Role[]): Promise<void> {
  await t.db.database.db.update(accounts).set({ roles }).where(eq(accounts.id, id));
}

export const makeAdmin = (t: TestApp, id: string) => setRoles(t, id, ['admin', 'user']);

/** Registers an account (an admin when asked), signs it in and returns its bearer headers. */
export async function signUp(
  t: TestApp,
  options: { admin?: boolean; scope?: string; email?: string } = {},
): Promise<TestUser> {
  const email = options.email ?? uniqueEmail(options.admin ? 'admin' : 'user');
  const id = await register(t, email);
  if (options.admin) await makeAdmin(t, id);
  const { accessToken, refreshToken } = await passwordGrant(t, email, PASSWORD, options.scope);
  return { id, email, password: PASSWORD, token: accessToken, refreshToken, headers: bearer(accessToken) };
}

/**
 * Cookie sign-in: the Cookie header to send, and the CSRF token and Origin (PUBLIC_URL's, as a browser on the
 * app's pages sends) that unsafe requests need.
 */
export async function cookieLogin(t: TestApp, email: string, password = PASSWORD) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { cookie, csrf: res.json().csrf_token as string, origin: new URL(t.config.publicUrl).origin };
}

/**
 * Makes every sign-in of the account stale for re-authentication: their password check moves `seconds`
 * into the past (past the default REAUTH_WINDOW of 10 minutes), or is removed (`null`: a sign-in without
 * the password, as OpenID Connect's). The credentials themselves stay valid.
 */
export async function ageSignIns(t: TestApp, accountId: string, seconds: number | null = 11 * 60) {
  const authenticatedAt = seconds === null ? null : sql`now() - ${seconds}::int * interval '1 second'`;
  await t.db.database.db.update(sessions).set({ authenticatedAt }).where(eq(sessions.accountId, accountId));
  t.app.auth.rt.authenticator.forgetAccount(accountId);
}

/** A Principal for calling services directly in a test (as a bearer token with all its scopes would be). */
export async function principalFor(t: TestApp, id: string): Promise<Principal> {
  const [row] = await t.db.database.db.select().from(accounts).where(eq(accounts.id, id));
  if (!row?.email) throw new Error(`no account ${id}`);
  const account = toPrincipalAccount({ ...row, email: row.email });
  return { account, roles: row.roles, scopes: scopesForRoles(row.roles), authMethod: 'bearer' };
}

/** The routes that check a password on sign-in: the token endpoint, cookie login, and Basic on /me. */
export type SignInVia = 'token' | 'login' | 'basic';

/** One sign-in attempt through `via` from `remoteAddress` (throttling and enumeration tests). */
export function signInVia(
  t: TestApp,
  via: SignInVia,
  email: string,
  password: string,
  remoteAddress: string,
) {
  switch (via) {
    case 'token':
      return t.app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        remoteAddress,
        payload: { username: email, password },
      });
    case 'login':
      return t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress,
        payload: { email, password },
      });
    case 'basic':
      return t.app.inject({
        method: 'GET',
        url: '/v1/auth/me',
        remoteAddress,
        headers: basic(email, password),
      });
  }
}
