import { generateKeyPair, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { sendJson, type Answer, type BareContext, type BareServer, type Scenario } from './scenario.ts';

const PATH = '/v1/certificates';
const generate = promisify(generateKeyPair);
const BODY = JSON.stringify({ subject: { common_name: 'bench.example.com' }, key_algorithm: 'ec-p256' });

/**
 * The floor of issuing a certificate: `node:http`, an EC P-256 key pair generated on the thread pool, one
 * ECDSA P-256 signature over 400 bytes (a TBSCertificate's size) and one INSERT of a certificates row, 201.
 * No authentication, no validation, no DER encoding, no event: what no implementation can skip.
 */
export async function bareIssue(context: BareContext): Promise<BareServer> {
  const pool = new pg.Pool({
    connectionString: context.databaseUrl,
    max: context.poolSize,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => undefined);
  const { rows } = await pool.query<{ id: string }>(
    "select id from certificate_authorities where kind = 'intermediate' and active",
  );
  const issuerId = rows[0]?.id;
  if (!issuerId) throw new Error('cert-issue: Bulwark created no CA');
  const caKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  return {
    handle(req, res) {
      if (req.method !== 'POST' || req.url !== PATH) return sendJson(res, 404, { error: 'not found' });
      req.resume();
      req.on('end', () => {
        generate('ec', { namedCurve: 'prime256v1' })
          .then(async ({ privateKey }) => {
            const signature = sign('sha256', randomBytes(400), caKey);
            const id = randomUUID();
            const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
            await pool.query(
              `insert into certificates (id, owner_id, issuer_id, serial, common_name, subject, sans, key_algorithm,
                 profile, not_before, not_after, fingerprint_sha256, certificate_pem)
               values ($1, $2, $3, $4, 'bench.example.com', '{}', '{}', 'ec-p256', 'tls-server', now(),
                 now() + interval '90 days', $5, $6)`,
              [
                id,
                context.fixture.account.id,
                issuerId,
                randomBytes(16).toString('hex'),
                signature.toString('hex'),
                pem.slice(0, 10),
              ],
            );
            sendJson(res, 201, { id });
          })
          .catch(() => sendJson(res, 500, { error: 'failed' }));
      });
    },
    close: () => pool.end(),
  };
}

/** `POST /v1/certificates` (ec-p256, server-generated key) with the access token of Bulwark's password grant. */
export const certIssue: Scenario = {
  name: 'cert-issue',
  description:
    'POST /v1/certificates `{subject, key_algorithm: ec-p256}` with `Authorization: Bearer` → 201 with the ' +
    'certificate and its key. Bulwark: the real route (key pair on the thread pool, hand-encoded DER, ' +
    'one transaction with the row and its event); bare: key pair + one P-256 signature + one INSERT',
  goalRatio: 0.5,
  launch: 'cli',
  workers: 2,
  credentials: true,
  request: (_server, { credentials }) => ({
    method: 'POST',
    path: PATH,
    headers: { authorization: `Bearer ${credentials!.accessToken}`, 'content-type': 'application/json' },
    body: BODY,
  }),
  bare: bareIssue,
  compare: (bulwark: Answer, bare: Answer) =>
    bulwark.status === 201 && bare.status === 201 ? undefined : `statuses ${bulwark.status} / ${bare.status}`,
  notes:
    'The issue’s goal is absolute: ≥ 2,000 certificates/s persisted on 2 workers (PostgreSQL). The ratio ' +
    'only shows what the route costs over the floor of the same work.',
};
