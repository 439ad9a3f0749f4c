import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import pg from 'pg';
import { sendJson, get, type BareContext, type BareServer, type Scenario } from './scenario.ts';

const PREFIX = '/v1/certificates/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface CertificateRow {
  id: string;
  owner_id: string;
  serial: string;
  status: 'active' | 'on_hold' | 'revoked';
  subject: Record<string, string>;
  sans: string[];
  key_algorithm: string;
  profile: string;
  not_before: Date;
  not_after: Date;
  fingerprint_sha256: string;
  certificate_pem: string;
  labels: Record<string, string>;
  revocation_reason: string | null;
  revoked_at: Date | null;
  renewed_from: string | null;
  renewed_by: string | null;
  created_at: Date;
}

/**
 * The baseline of `GET /v1/certificates/{id}`: `node:http`, `jose` `jwtVerify` of the EdDSA token on every
 * request (Bulwark's JWKS fetched once at start-up, as for `/v1/auth/me`), one `SELECT` of the certificate
 * by primary key, the owner check (someone else's is 404), and the same JSON as Bulwark's: the computed
 * status and the CA chain (fetched once from `/v1/ca/chain.pem`).
 */
export async function bareCertificate(context: BareContext): Promise<BareServer> {
  const [jwksResponse, chainResponse] = await Promise.all([
    fetch(`${context.bulwarkUrl}/.well-known/jwks.json`),
    fetch(`${context.bulwarkUrl}/v1/ca/chain.pem`),
  ]);
  if (!jwksResponse.ok || !chainResponse.ok) throw new Error('cert-get: JWKS or chain unavailable');
  const jwks = createLocalJWKSet((await jwksResponse.json()) as JSONWebKeySet);
  const chainPem = await chainResponse.text();
  const pool = new pg.Pool({
    connectionString: context.databaseUrl,
    max: context.poolSize,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => undefined);
  const verifyOptions = { algorithms: ['EdDSA'], issuer: context.jwtIssuer, audience: context.jwtAudience };
  const unauthorized = { error: 'unauthorized' };
  const notFound = { error: 'not found' };
  return {
    handle(req, res) {
      const id = req.url?.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : '';
      if (req.method !== 'GET' || !UUID.test(id)) return sendJson(res, 404, notFound);
      const authorization = req.headers.authorization;
      if (!authorization?.startsWith('Bearer ')) return sendJson(res, 401, unauthorized);
      jwtVerify(authorization.slice(7), jwks, verifyOptions)
        .then(async ({ payload }) => {
          const { rows } = await pool.query<CertificateRow>('select * from certificates where id = $1', [id]);
          const row = rows[0];
          if (!row || row.owner_id !== payload.sub) return sendJson(res, 404, notFound);
          const status = row.not_after.getTime() <= Date.now() ? 'expired' : row.status;
          sendJson(res, 200, {
            id: row.id,
            owner_id: row.owner_id,
            serial_number: row.serial,
            status,
            is_active: status === 'active',
            subject: row.subject,
            sans: row.sans,
            key_algorithm: row.key_algorithm,
            profile: row.profile,
            not_before: row.not_before.toISOString(),
            not_after: row.not_after.toISOString(),
            fingerprint_sha256: row.fingerprint_sha256,
            certificate_pem: row.certificate_pem,
            chain_pem: chainPem,
            labels: row.labels,
            revocation_reason: row.revocation_reason,
            revoked_at: row.revoked_at?.toISOString() ?? null,
            renewed_from: row.renewed_from,
            renewed_by: row.renewed_by,
            created_at: row.created_at.toISOString(),
          });
        })
        .catch(() => sendJson(res, 401, unauthorized));
    },
    close: () => pool.end(),
  };
}

/** `GET /v1/certificates/{id}` of a certificate the account owns, with the password grant's access token. */
export const certGet: Scenario = {
  name: 'cert-get',
  description:
    'GET /v1/certificates/{id} with `Authorization: Bearer` (EdDSA JWT) → the certificate as JSON. Bulwark: ' +
    'the real route (verified tokens cached until expiry, one SELECT by primary key); bare: `jwtVerify` + ' +
    'one `SELECT` by primary key + the owner check on every request, the same JSON',
  goalRatio: 1.0,
  p99GoalMs: 20,
  launch: 'cli',
  workers: 2,
  credentials: true,
  certificate: true,
  request: (_server, { credentials }) =>
    get(`${PREFIX}${credentials!.certificate!.id}`, {
      authorization: `Bearer ${credentials!.accessToken}`,
    }),
  bare: bareCertificate,
};
