// Configuration: OIDC_CREATE_ACCOUNTS off, a provider that is down or hangs, the plain-http issuer policy.
import { eq } from 'drizzle-orm';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.ts';
import { AppError } from '../../src/core/errors/app-error.ts';
import { accounts } from '../../src/db/schema/accounts.ts';
import { createOidcClients } from '../../src/modules/identities/identities.module.ts';
import { httpAllowed, OidcClient } from '../../src/modules/identities/oidc-client.ts';
import { signUp, uniqueEmail } from '../helpers/auth.ts';
import { freePort, startHarness, uniqueSubject, type OAuthHarness } from './setup.ts';

let h: OAuthHarness;

beforeAll(async () => {
  const closed = await freePort();
  const down = { name: 'down', issuer: `http://127.0.0.1:${closed}`, client_id: 'c', client_secret: 's' };
  h = await startHarness({ OIDC_CREATE_ACCOUNTS: 'off' }, { extraProviders: [down] });
});
afterAll(() => h?.close());

describe('with OIDC_CREATE_ACCOUNTS=off', () => {
  it('creates no account for an unknown identity, even with a verified email: 403', async () => {
    const email = uniqueEmail('nocreate');
    const sub = h.user('alpha', uniqueSubject(), { email, email_verified: true });
    const { callback } = await h.signIn('alpha', sub);
    expect(callback.status).toBe(403);
    expect(callback.json().detail).toMatch(/No account is linked to this identity/);
    expect(await h.db.database.db.select().from(accounts).where(eq(accounts.email, email))).toEqual([]);
  });

  it('still signs in an account the identity was linked to', async () => {
    const user = await signUp(h);
    const sub = h.user('beta', uniqueSubject(), {});
    expect((await h.signIn('beta', sub, { headers: user.headers })).callback.status).toBe(200);
    const { callback } = await h.signIn('beta', sub);
    expect(callback.status).toBe(200);
    expect(callback.json().user.id).toBe(user.id);
  });
});

describe('a provider that cannot be reached', () => {
  it('answers 503 (not 500), retries discovery at the next request, and leaves the others working', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await h.app.inject({ method: 'GET', url: '/v1/auth/oauth/down/authorize' });
      expect(res.statusCode).toBe(503);
      expect(res.json().detail).toMatch(/"down" cannot be reached/);
    }
    const ok = await h.app.inject({ method: 'GET', url: '/v1/auth/oauth/alpha/authorize' });
    expect(ok.statusCode).toBe(302);
  });

  it('gives up on a provider that never answers after its timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = new OidcClient(
      { name: 'silent', issuer, client_id: 'c', client_secret: 's' },
      { redirectUri: 'http://127.0.0.1/cb', allowHttp: true, timeoutSeconds: 1 },
    );
    const started = Date.now();
    const error = await client.authorize().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe('plain-http issuers', () => {
  const MASTER_KEY = 'ab'.repeat(32);
  const providers = (issuer: string) =>
    JSON.stringify([{ name: 'corp', issuer, client_id: 'c', client_secret: 's' }]);

  it('are refused at boot in production unless on loopback', () => {
    const remote = loadConfig({
      NODE_ENV: 'production',
      MASTER_KEY,
      OIDC_PROVIDERS: providers('http://id.example.com'),
    });
    expect(() => createOidcClients(remote)).toThrow(/must use https in production/);
    for (const issuer of [
      'http://127.0.0.1:8080',
      'http://localhost:8080/realms/x',
      'https://id.example.com',
    ]) {
      const config = loadConfig({ NODE_ENV: 'production', MASTER_KEY, OIDC_PROVIDERS: providers(issuer) });
      expect(createOidcClients(config).get('corp')?.name).toBe('corp');
    }
  });

  it('are allowed outside production (development providers)', () => {
    expect(httpAllowed('http://keycloak.internal:8080', 'development')).toBe(true);
    expect(httpAllowed('http://keycloak.internal:8080', 'production')).toBe(false);
    expect(httpAllowed('http://[::1]:8080', 'production')).toBe(true);
  });
});
