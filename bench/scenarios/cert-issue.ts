import { generateKeyPair, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { sendJson, type Answer, type BareContext, type BareServer, type Scenario } from './scenario.ts';

const PATH = '/v1/certificates';
const generate = promisify(generateKeyPair);

type BenchAlgorithm = 'ec-p256' | 'rsa-2048' | 'ed25519';
const body = (algorithm: BenchAlgorithm) =>
  JSON.stringify({ subject: { common_name: 'bench.example.com' }, key_algorithm: algorithm });

/** The leaf key pair each side generates, on the thread pool. */
function generateLeaf(algorithm: BenchAlgorithm) {
  switch (algorithm) {
    case 'ec-p256':
      return generate('ec', { namedCurve: 'prime256v1' });
    case 'rsa-2048':
      return generate('rsa', { modulusLength: 2048 });
    case 'ed25519':
      return generate('ed25519');
  }
}

/**
 * The floor of issuing a certificate: `node:http`, a key pair of the scenario's algorithm generated on the
 * thread pool and exported as PKCS#8 PEM, one ECDSA P-256 signature over 400 bytes (a TBSCertificate's
 * size, signed by a P-256 intermediate as Bulwark's) and one INSERT of a certificates row, 201. No
 * authentication, no validation, no DER encoding, no event: what no implementation can skip.
 */
export const bareIssue =
  (algorithm: BenchAlgorithm) =>
  async (context: BareContext): Promise<BareServer> => {
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
          generateLeaf(algorithm)
            .then(async ({ privateKey }) => {
              const signature = sign('sha256', randomBytes(400), caKey);
              const id = randomUUID();
              const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
              await pool.query(
                `insert into certificates (id, owner_id, issuer_id, serial, common_name, subject, sans, key_algorithm,
                 profile, not_before, not_after, fingerprint_sha256, certificate_pem)
               values ($1, $2, $3, $4, 'bench.example.com', '{}', '{}', $7, 'tls-server', now(),
                 now() + interval '90 days', $5, $6)`,
                [
                  id,
                  context.fixture.account.id,
                  issuerId,
                  randomBytes(16).toString('hex'),
                  signature.toString('hex'),
                  pem.slice(0, 10),
                  algorithm,
                ],
              );
              sendJson(res, 201, { id });
            })
            .catch(() => sendJson(res, 500, { error: 'failed' }));
        });
      },
      close: () => pool.end(),
    };
  };

/** `POST /v1/certificates` with a server-generated key of `algorithm`, with the password grant's token. */
function certIssueScenario(name: string, algorithm: BenchAlgorithm): Scenario {
  return {
    name,
    description:
      `POST /v1/certificates \`{subject, key_algorithm: ${algorithm}}\` with \`Authorization: Bearer\` → 201 ` +
      'with the certificate and its key. Bulwark: the real route (key pair generated and encoded on the ' +
      'thread pool, hand-encoded DER, the row, its audit entry and its webhook fan-out in one statement); ' +
      'bare: the same key pair + one P-256 signature + one INSERT',
    goalRatio: 0.5,
    launch: 'cli',
    workers: 2,
    credentials: true,
    request: (_server, { credentials }) => ({
      method: 'POST',
      path: PATH,
      headers: { authorization: `Bearer ${credentials!.accessToken}`, 'content-type': 'application/json' },
      body: body(algorithm),
    }),
    bare: bareIssue(algorithm),
    compare: (bulwark: Answer, bare: Answer) =>
      bulwark.status === 201 && bare.status === 201
        ? undefined
        : `statuses ${bulwark.status} / ${bare.status}`,
    notes:
      'The issue’s goal is absolute: ≥ 2,000 certificates/s persisted on 2 workers (PostgreSQL) for ec-p256. ' +
      'The ratio only shows what the route costs over the floor of the same work.',
  };
}

export const certIssue = certIssueScenario('cert-issue', 'ec-p256');
/** RSA key generation dominates (tens of ms of thread-pool CPU per key): a figure to report, no goal of its own. */
export const certIssueRsa = certIssueScenario('cert-issue-rsa2048', 'rsa-2048');
export const certIssueEd25519 = certIssueScenario('cert-issue-ed25519', 'ed25519');
