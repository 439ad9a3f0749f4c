// POST /v1/certificates with server-generated keys: every key type verifies with `openssl verify`, carries
// the extensions the contract names, and the private key is returned once and never stored.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificates } from '../../src/db/schema/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { buildCaApp, caFiles, issue, run, scratch } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let dir: Awaited<ReturnType<typeof scratch>>;
let files: { root: string; chain: string };

beforeAll(async () => {
  t = await buildCaApp();
  alice = await signUp(t);
  dir = await scratch();
  files = await caFiles(t, dir);
});
afterAll(async () => {
  await dir?.close();
  await t?.close();
});

describe('the CA created at first start', () => {
  it('is a P-384 root of 20 years and a P-256 intermediate of 5 years with pathLen 0', async () => {
    const { stdout: root } = await run('openssl', ['x509', '-in', files.root, '-noout', '-text']);
    expect(root).toContain('NIST CURVE: P-384');
    expect(root).toMatch(/CA:TRUE\s/);
    const [intermediatePem] = (await t.app.inject({ url: '/v1/ca/chain.pem' })).body.split(
      /(?<=-----END CERTIFICATE-----\n)/,
    );
    const intermediate = new X509Certificate(intermediatePem!);
    expect(intermediate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const years = (Date.parse(intermediate.validTo) - Date.now()) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(4.9);
    expect(years).toBeLessThan(5.1);
    const text = (await run('sh', ['-c', `openssl x509 -noout -text <<'EOF'\n${intermediatePem}EOF`])).stdout;
    expect(text).toContain('CA:TRUE, pathlen:0');
    expect(text).toContain('Certificate Sign, CRL Sign');
  });
});

describe('POST /v1/certificates (generated key)', () => {
  it.each(['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'ed25519'] as const)(
    '%s → 201; openssl verify OK; the key matches the certificate',
    async (key_algorithm) => {
      const body = await issue(t, alice, {
        subject: { common_name: `${key_algorithm}.example.com`, organization: 'Example' },
        sans: ['www.example.com'],
        key_algorithm,
      });
      expect(body.key_algorithm).toBe(key_algorithm);
      expect(body.status).toBe('active');
      expect(body.is_active).toBe(true);
      const leaf = await dir.file(`${key_algorithm}.pem`, body.certificate_pem);
      const { stdout } = await run('openssl', [
        'verify',
        '-CAfile',
        files.root,
        '-untrusted',
        files.chain,
        leaf,
      ]);
      expect(stdout).toContain(': OK');
      const x509 = new X509Certificate(body.certificate_pem);
      expect(x509.checkPrivateKey(createPrivateKey(body.private_key_pem))).toBe(true);
      expect(BigInt(`0x${x509.serialNumber}`)).toBe(BigInt(`0x${body.serial_number}`));
      expect(x509.serialNumber.length).toBeGreaterThanOrEqual(30); // 128 random bits
    },
  );

  it('carries basicConstraints CA:FALSE, keyUsage, EKU, SKI/AKI, SAN with the CN, CRL DP and AIA', async () => {
    const body = await issue(t, alice, {
      subject: { common_name: 'api.example.com' },
      sans: ['*.example.com', '10.0.0.1', '2001:db8::1', 'ops@example.com'],
      key_algorithm: 'rsa-2048',
    });
    const { stdout } = await run('openssl', [
      'x509',
      '-in',
      await dir.file('ext.pem', body.certificate_pem),
      '-noout',
      '-text',
    ]);
    expect(stdout).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(stdout).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(stdout).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(stdout).toContain('Subject Key Identifier');
    expect(stdout).toContain('Authority Key Identifier');
    expect(stdout).toContain(
      'DNS:api.example.com, DNS:*.example.com, IP Address:10.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1, email:ops@example.com',
    );
    expect(stdout).toContain('URI:http://ca.test:3000/v1/ca/crl');
    expect(stdout).toContain('OCSP - URI:http://ca.test:3000/v1/ca/ocsp');
    expect(body.sans).toEqual([
      'api.example.com',
      '*.example.com',
      '10.0.0.1',
      '2001:db8::1',
      'ops@example.com',
    ]);
  });

  it('backdates notBefore by a minute and honours validity_days; tls-client and email profiles set their EKU', async () => {
    const before = Date.now();
    const body = await issue(t, alice, {
      subject: { common_name: 'client.example.com' },
      validity_days: 30,
      profile: 'tls-client',
    });
    const after = Date.now();
    expect(Date.parse(body.not_before)).toBeLessThanOrEqual(before - 59_000);
    expect(Date.parse(body.not_after) - before).toBeGreaterThan(30 * 86_400_000 - 2_000);
    // The server's clock is read between `before` and `after` (X.509 times are whole seconds).
    expect(Date.parse(body.not_after) - after).toBeLessThanOrEqual(30 * 86_400_000);
    const client = await run('openssl', [
      'x509',
      '-in',
      await dir.file('c.pem', body.certificate_pem),
      '-noout',
      '-ext',
      'extendedKeyUsage',
    ]);
    expect(client.stdout).toContain('TLS Web Client Authentication');
    const mail = await issue(t, alice, {
      subject: { common_name: 'Alice Example' },
      sans: ['alice@example.com'],
      profile: 'email',
    });
    expect(mail.sans).toEqual(['alice@example.com']);
    const email = await run('openssl', [
      'x509',
      '-in',
      await dir.file('m.pem', mail.certificate_pem),
      '-noout',
      '-ext',
      'extendedKeyUsage',
    ]);
    expect(email.stdout).toContain('E-mail Protection');
  });

  it('with a passphrase returns PBES2 PKCS#8 (PBKDF2 600,000 rounds, AES-256-CBC) that openssl and Node open', async () => {
    const body = await issue(t, alice, {
      subject: { common_name: 'locked.example.com' },
      passphrase: 'correct horse battery',
    });
    expect(body.private_key_pem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    const key = createPrivateKey({ key: body.private_key_pem, passphrase: 'correct horse battery' });
    expect(new X509Certificate(body.certificate_pem).checkPrivateKey(key)).toBe(true);
    const file = await dir.file('enc.pem', body.private_key_pem);
    const { stdout } = await run('openssl', ['asn1parse', '-in', file]);
    expect(stdout).toContain('PBES2');
    expect(stdout).toMatch(/INTEGER\s+:0927C0/); // 600000
    expect(stdout).toContain('aes-256-cbc');
    const opened = await run('openssl', [
      'pkey',
      '-in',
      file,
      '-passin',
      'pass:correct horse battery',
      '-noout',
    ]);
    expect(opened.stderr).toBe('');
    await expect(run('openssl', ['pkey', '-in', file, '-passin', 'pass:wrong', '-noout'])).rejects.toThrow();
  });

  it('never stores a private key: no column holds one, GET never returns one', async () => {
    const body = await issue(t, alice, { subject: { common_name: 'secret.example.com' } });
    const rows = await t.db.database.db.select().from(certificates);
    expect(JSON.stringify(rows)).not.toContain('PRIVATE KEY');
    const got = await t.app.inject({ url: `/v1/certificates/${body.id}`, headers: alice.headers });
    expect(got.statusCode).toBe(200);
    expect(got.json().private_key_pem).toBeUndefined();
    expect(got.body).not.toContain('PRIVATE KEY');
  });
});
