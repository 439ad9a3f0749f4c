import { verify } from '@node-rs/argon2';
import type { Answer, Scenario } from './scenario.ts';
import { sendJson } from './scenario.ts';

const PATH = '/v1/auth/token';
const FORM = 'application/x-www-form-urlencoded';

function tokenIssued(bulwark: Answer, bare: Answer): string | undefined {
  const body = bulwark.body as { access_token?: unknown; token_type?: unknown };
  if (bulwark.status !== 200 || typeof body.access_token !== 'string' || body.token_type !== 'bearer')
    return 'Bulwark issued no token';
  return bare.status === 200 ? undefined : 'the bare server did not verify the password';
}

/**
 * The password grant against the raw argon2id verify rate. Both take the same form; the bare handler only
 * verifies the password against the fixture's hash (same parameters: Bulwark's `createPasswordHasher()`),
 * on libuv's thread pool as @node-rs/argon2 always does.
 */
export const authToken: Scenario = {
  name: 'auth-token',
  description:
    'POST /v1/auth/token `grant_type=password&username=…&password=…` → a token pair. Bulwark: the real ' +
    'endpoint (throttle check, account by email, argon2id verify, a session and a refresh-token row ' +
    'written, EdDSA signature); bare: @node-rs/argon2 `verify(hash, password)` at the same parameters ' +
    '(m=19456 KiB, t=2, p=1), answer 200',
  goalRatio: 0.9,
  launch: 'cli',
  workers: 2,
  // Every attempt succeeds and gives its points back, so the throttle never trips; the limit is raised anyway
  // so that it cannot (all requests come from one address).
  bulwarkEnv: { LOGIN_THROTTLE: '1000000/1m' },
  notes:
    'Bulwark runs with `LOGIN_THROTTLE=1000000/1m` (the throttle still runs on every sign-in: a point per ' +
    'address and per account taken before the hash, given back after it). Each successful grant writes a `sessions` and a ' +
    '`refresh_tokens` row: part of the endpoint’s cost.',
  request: (_server, { fixture }) => ({
    method: 'POST',
    path: PATH,
    headers: { 'content-type': FORM },
    body: new URLSearchParams({
      grant_type: 'password',
      username: fixture.account.email,
      password: fixture.account.password,
    }).toString(),
  }),
  bare: ({ fixture }) => ({
    handle(req, res) {
      if (req.method !== 'POST' || req.url !== PATH) return sendJson(res, 404, { error: 'not found' });
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const password = new URLSearchParams(Buffer.concat(chunks).toString()).get('password') ?? '';
        verify(fixture.account.passwordHash, password).then(
          (ok) => (ok ? sendJson(res, 200, { ok: true }) : sendJson(res, 401, { error: 'invalid_grant' })),
          () => sendJson(res, 500, { error: 'internal' }),
        );
      });
    },
    close: async () => undefined,
  }),
  compare: tokenIssued,
};
