import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';

export interface AccountsTestApp extends TestApp {
  /** Every response body the app sent, to check that no password hash ever leaves it. */
  readonly bodies: string[];
  /** Payloads of the `account.deleted` events committed so far. */
  readonly deletedEvents: { accountId: string; email: string | null }[];
}

/** The test app, recording response bodies and `account.deleted` events. */
export async function buildAccountsApp(env: Record<string, string> = {}): Promise<AccountsTestApp> {
  const bodies: string[] = [];
  const deletedEvents: { accountId: string; email: string | null }[] = [];
  const t = await buildTestApp({ ...QUICK_AUTH_ENV, ...env }, (app) => {
    app.addHook('onSend', async (_request, _reply, payload) => {
      if (typeof payload === 'string') bodies.push(payload);
      return payload;
    });
    app.ctx.events.on('account.deleted', async (_tx, event) => {
      if (event.accountId === FAIL_DELETE.id) throw new Error('a handler failed');
      deletedEvents.push(event);
    });
  });
  return Object.assign(t, { bodies, deletedEvents });
}

/** Set `FAIL_DELETE.id` to make the `account.deleted` handler throw for that account (rollback tests). */
export const FAIL_DELETE: { id: string | undefined } = { id: undefined };

/** A new API key of the account behind `token`, through POST /v1/api-keys. */
export async function createKeyFor(t: TestApp, token: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'test key' },
  });
  if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
  return res.json().key as string;
}
