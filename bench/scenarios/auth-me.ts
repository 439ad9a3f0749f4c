import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { get, sendJson, type Answer, type BareContext, type BareServer, type Scenario } from './scenario.ts';

const PATH = '/v1/auth/me';

interface AccountRow {
  id: string;
  email: string;
  name: string | null;
  roles: string[];
  email_verified: boolean;
  created_at: Date;
}

/**
 * The baseline of both `/v1/auth/me` scenarios, as the issue words it: `node:http`, a `pg` pool, `jose`
 * `jwtVerify` of the EdDSA token on every request (against Bulwark's JWKS, fetched once at start-up), one
 * `SELECT` by primary key, `JSON.stringify`.
 */
export async function bareMe(context: BareContext): Promise<BareServer> {
  const response = await fetch(`${context.bulwarkUrl}/.well-known/jwks.json`);
  if (!response.ok) throw new Error(`JWKS: ${response.status}`);
  const jwks = createLocalJWKSet((await response.json()) as JSONWebKeySet);
  const pool = new pg.Pool({
    connectionString: context.databaseUrl,
    max: context.poolSize,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => undefined);
  const verifyOptions = {
    algorithms: ['EdDSA'],
    issuer: context.jwtIssuer,
    audience: context.jwtAudience,
  };
  const unauthorized = { error: 'unauthorized' };
  return {
    handle(req, res) {
      if (req.method !== 'GET' || req.url !== PATH) return sendJson(res, 404, { error: 'not found' });
      const authorization = req.headers.authorization;
      if (!authorization?.startsWith('Bearer ')) return sendJson(res, 401, unauthorized);
      jwtVerify(authorization.slice(7), jwks, verifyOptions)
        .then(async ({ payload }) => {
          const { rows } = await pool.query<AccountRow>('select * from accounts where id = $1', [
            payload.sub,
          ]);
          const row = rows[0];
          if (!row) return sendJson(res, 401, unauthorized);
          sendJson(res, 200, {
            id: row.id,
            email: row.email,
            name: row.name,
            roles: row.roles,
            email_verified: row.email_verified,
            created_at: row.created_at.toISOString(),
            auth_method: 'bearer',
            scopes: String(payload.scope).split(' '),
          });
        })
        .catch(() => sendJson(res, 401, unauthorized));
    },
    close: () => pool.end(),
  };
}

/** `GET /v1/auth/me` with the access token from Bulwark's password grant. */
export const authMeBearer: Scenario = {
  name: 'auth-me-bearer',
  description:
    'GET /v1/auth/me with `Authorization: Bearer` (EdDSA JWT) → the caller as JSON. Bulwark: the real route ' +
    '(verified tokens cached until expiry, account and session state ≤ 2 s); bare: `jwtVerify` + one ' +
    '`SELECT` by primary key on every request',
  goalRatio: 0.9,
  p99GoalMs: 10,
  launch: 'cli',
  workers: 2,
  credentials: true,
  request: (_server, { credentials }) => get(PATH, { authorization: `Bearer ${credentials!.accessToken}` }),
  bare: bareMe,
};

/** Bulwark's answer names the API key as the method; everything else must be the same. */
function sameButMethod(bulwark: Answer, bare: Answer): string | undefined {
  const { auth_method: method, ...rest } = bulwark.body as Record<string, unknown>;
  const { auth_method: _bareMethod, ...bareRest } = bare.body as Record<string, unknown>;
  if (bulwark.status !== 200 || bare.status !== 200) return 'both must answer 200';
  if (method !== 'api_key') return `Bulwark says auth_method ${JSON.stringify(method)}`;
  return isDeepStrictEqual(rest, bareRest) ? undefined : 'the bodies differ';
}

/** The same route with an API key in `X-Auth`, against the same bare bearer server ("that bare server"). */
export const authMeApiKey: Scenario = {
  name: 'auth-me-api-key',
  description:
    'GET /v1/auth/me with `X-Auth: <API key>` → the caller as JSON. Bulwark: the real route (keys cached ≤ 2 s ' +
    'by hash, revocation on this instance at once); bare: the bearer baseline above (`jwtVerify` + `SELECT`)',
  goalRatio: 0.8,
  launch: 'cli',
  workers: 2,
  credentials: true,
  request: (server, { credentials }) =>
    server === 'bulwark'
      ? get(PATH, { 'x-auth': credentials!.apiKey })
      : get(PATH, { authorization: `Bearer ${credentials!.accessToken}` }),
  bare: bareMe,
  compare: sameButMethod,
};
