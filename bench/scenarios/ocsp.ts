import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import pg from 'pg';
import { children, fromPem, NULL, octets, oid, parseDer, seq } from '../../src/modules/certificates/der.ts';
import { parseOcspRequest } from '../../src/modules/certificates/ocsp.ts';
import { publicKeyBits } from '../../src/modules/certificates/x509.encoder.ts';
import { get, type Answer, type BareContext, type BareServer, type Scenario } from './scenario.ts';

const PREFIX = '/v1/ca/ocsp/';

/**
 * An RFC 6960 OCSPRequest for one certificate (CertID by SHA-1, as `openssl ocsp` sends by default),
 * base64 and URL-encoded for the GET form. The issuer is the chain's first certificate (the intermediate).
 */
export function ocspGetPath(certificatePem: string, chainPem: string): string {
  const [issuerDer] = fromPem(chainPem, 'CERTIFICATE');
  const fields = children(children(parseDer(issuerDer!))[0]!);
  const subject = fields[5]!.raw;
  const spki = fields[6]!.raw;
  const sha1 = (data: Buffer) => createHash('sha1').update(data).digest();
  const serial = Buffer.from(new X509Certificate(certificatePem).serialNumber, 'hex');
  const magnitude = serial[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), serial]) : serial;
  const certId = seq(
    seq(oid('1.3.14.3.2.26'), NULL),
    octets(sha1(subject)),
    octets(sha1(publicKeyBits(spki))),
    Buffer.concat([Buffer.from([0x02, magnitude.length]), magnitude]),
  );
  const request = seq(seq(seq(seq(certId))));
  return PREFIX + encodeURIComponent(request.toString('base64'));
}

/**
 * The floor of an OCSP answer: `node:http`, the request decoded and parsed (Bulwark's parser: the same
 * work), one `SELECT` of the status by serial (indexed), and one ECDSA P-256 signature over a
 * ResponseData's size (≈ 250 bytes), answered as `application/ocsp-response`.
 */
export async function bareOcsp(context: BareContext): Promise<BareServer> {
  const pool = new pg.Pool({ connectionString: context.databaseUrl, max: context.poolSize });
  pool.on('error', () => undefined);
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const fail = (res: Parameters<BareServer['handle']>[1], status: number) => {
    res.writeHead(status);
    res.end();
  };
  return {
    handle(req, res) {
      if (req.method !== 'GET' || !req.url?.startsWith(PREFIX)) return fail(res, 404);
      let serial: string;
      try {
        const der = Buffer.from(decodeURIComponent(req.url.slice(PREFIX.length)), 'base64');
        serial = parseOcspRequest(der).certIds[0]!.serial;
      } catch {
        return fail(res, 400);
      }
      pool
        .query('select status, revoked_at, revocation_reason from certificates where serial = $1', [serial])
        .then(() => {
          const body = sign('sha256', randomBytes(250), key);
          res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': body.length });
          res.end(body);
        })
        .catch(() => fail(res, 500));
    },
    close: () => pool.end(),
  };
}

/** `GET /v1/ca/ocsp/{base64}` for a certificate Bulwark issued: the responder's status lookup and signature. */
export const ocspGet: Scenario = {
  name: 'ocsp',
  description:
    'GET /v1/ca/ocsp/{base64 OCSPRequest} (one CertID, SHA-1) → a signed OCSP response (good). Bulwark: the ' +
    'real responder (parse, one SELECT by serial, BasicOCSPResponse signed by the intermediate); bare: the ' +
    'same parse and SELECT, one P-256 signature over 250 bytes',
  goalRatio: 0.5,
  p99GoalMs: 5,
  launch: 'cli',
  workers: 2,
  credentials: true,
  certificate: true,
  request: (_server, { credentials }) =>
    get(ocspGetPath(credentials!.certificate!.pem, credentials!.certificate!.chainPem)),
  bare: bareOcsp,
  compare: (bulwark: Answer, bare: Answer) =>
    bulwark.status === 200 && bare.status === 200 ? undefined : `statuses ${bulwark.status} / ${bare.status}`,
  notes: 'The issue’s goal is absolute: OCSP p99 ≤ 5 ms under 64 connections; the ratio is for reference.',
};
