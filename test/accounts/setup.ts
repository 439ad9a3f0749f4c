import type { FastifyInstance } from 'fastify';
import { accountsRoutes } from '../../src/modules/accounts/accounts.routes.ts';
import { createApiKey } from '../../src/modules/api-keys/api-keys.service.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { principalFor } from '../helpers/auth.ts';

/** Fast hashing and no sign-in throttle: the tests fail credentials on purpose, many times. */
export const ACCOUNTS_TEST_ENV = { RATE_LIMIT: 'off', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

export interface AccountsTestApp extends TestApp {
  /** Every response body the app sent, to check that no password hash ever leaves it. */
  readonly bodies: string[];
  /** Payloads of the `account.deleted` events committed so far. */
  readonly deletedEvents: { accountId: string; email: string | null }[];
}

/** The accounts routes, until src/app.ts registers them itself (then this does nothing). */
async function withAccountsRoutes(app: FastifyInstance): Promise<void> {
  if (!app.hasRoute({ method: 'POST', url: '/v1/accounts' })) await app.register(accountsRoutes);
}

/** The test app with the accounts routes, recording bodies and `account.deleted` events. */
export async function buildAccountsApp(env: Record<string, string> = {}): Promise<AccountsTestApp> {
  const bodies: string[] = [];
  const deletedEvents: { accountId: string; email: string | null }[] = [];
  const t = await buildTestApp({ ...ACCOUNTS_TEST_ENV, ...env }, async (app) => {
    app.addHook('onSend', async (_request, _reply, payload) => {
      if (typeof payload === 'string') bodies.push(payload);
      return payload;
    });
    app.ctx.events.on('account.deleted', async (_tx, event) => {
      if (event.accountId === FAIL_DELETE.id) throw new Error('a handler failed');
      deletedEvents.push(event);
    });
    await withAccountsRoutes(app);
  });
  return Object.assign(t, { bodies, deletedEvents });
}

/** Set `FAIL_DELETE.id` to make the `account.deleted` handler throw for that account (rollback tests). */
export const FAIL_DELETE: { id: string | undefined } = { id: undefined };

/** An API key of the account: through POST /v1/api-keys when it exists, else the service directly. */
export async function createKeyFor(t: TestApp, id: string, token: string): Promise<string> {
  if (t.app.hasRoute({ method: 'POST', url: '/v1/api-keys' })) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'test key' },
    });
    if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
    return res.json().key as string;
  }
  const created = await createApiKey(t.db.database.db, await principalFor(t, id), { name: 'test key' });
  return created.key;
}
