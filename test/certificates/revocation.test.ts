// CRL and OCSP checked with the real openssl CLI, against a listening server; a real TLS handshake with an
// issued certificate (openssl s_client), refused with -crl_check once the certificate is revoked.
import { once } from 'node:events';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { buildCaApp, caFiles, issue, patch, run, scratch } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let dir: Awaited<ReturnType<typeof scratch>>;
let files: { root: string; chain: string };
let base: string;

beforeAll(async () => {
  t = await buildCaApp();
  alice = await signUp(t);
  dir = await scratch();
  files = await caFiles(t, dir);
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await dir?.close();
  await t?.close();
});

const crlFile = async (name: string) => {
  const res = await t.app.inject({ url: '/v1/ca/crl', headers: { accept: 'application/x-pem-file' } });
  expect(res.statusCode).toBe(200);
  return dir.file(name, res.body);
};

describe('GET /v1/ca/crl', () => {
  it('lists revoked and held serials with reasons, verifies with openssl, serves ETag and DER', async () => {
    const revoked = await issue(t, alice, { subject: { common_name: 'crl1.example.com' } });
    const held = await issue(t, alice, { subject: { common_name: 'crl2.example.com' } });
    const good = await issue(t, alice, { subject: { common_name: 'crl3.example.com' } });
    const first = await t.app.inject({ url: '/v1/ca/crl' });
    expect(first.headers['content-type']).toBe('application/pkix-crl');
    const etag = first.headers.etag as string;
    expect((await t.app.inject({ url: '/v1/ca/crl', headers: { 'if-none-match': etag } })).statusCode).toBe(
      304,
    );

    await patch(t, alice, revoked.id, { action: 'revoke', reason: 'keyCompromise' });
    await patch(t, alice, held.id, { action: 'deactivate' });
    const second = await t.app.inject({ url: '/v1/ca/crl' });
    expect(second.headers.etag).not.toBe(etag);
    const file = await crlFile('crl.pem');
    const { stdout, stderr } = await run('openssl', [
      'crl',
      '-in',
      file,
      '-CAfile',
      files.chain,
      '-verify',
      '-noout',
      '-text',
    ]);
    expect(stderr).toContain('verify OK');
    const upper = (s: string) => s.toUpperCase();
    expect(stdout).toContain(upper(revoked.serial_number));
    expect(stdout).toContain(upper(held.serial_number));
    expect(stdout).not.toContain(upper(good.serial_number));
    expect(stdout).toContain('Key Compromise');
    expect(stdout).toContain('Certificate Hold');
    expect(stdout).toMatch(/X509v3 CRL Number:\s+\d+/);
    expect(stdout).toContain('Next Update');

    await patch(t, alice, held.id, { action: 'activate' });
    const released = (await run('openssl', ['crl', '-in', await crlFile('crl2.pem'), '-noout', '-text']))
      .stdout;
    expect(released).not.toContain(upper(held.serial_number));
  });
});

describe('OCSP /v1/ca/ocsp', () => {
  it('answers good, revoked (with reason) and unknown, signed by the intermediate, nonce echoed', async () => {
    const good = await issue(t, alice, { subject: { common_name: 'ocsp1.example.com' } });
    const gone = await issue(t, alice, { subject: { common_name: 'ocsp2.example.com' } });
    await patch(t, alice, gone.id, { action: 'revoke', reason: 'superseded' });
    const issuer = await dir.file(
      'issuer.pem',
      (await t.app.inject({ url: '/v1/ca/chain.pem' })).body.split('-----END CERTIFICATE-----')[0] +
        '-----END CERTIFICATE-----\n',
    );
    const ask = async (cert: string | null, serial?: string) => {
      const { stdout, stderr } = await run('openssl', [
        'ocsp',
        '-issuer',
        issuer,
        ...(cert ? ['-cert', cert] : ['-serial', `0x${serial}`]),
        '-url',
        `${base}/v1/ca/ocsp`,
        '-CAfile',
        files.root,
        '-VAfile',
        issuer,
        '-resp_text',
      ]);
      expect(stderr).toContain('Response verify OK');
      return stdout;
    };
    const goodOut = await ask(await dir.file('good.pem', good.certificate_pem));
    expect(goodOut).toMatch(/good\.pem: good/);
    expect(goodOut).toContain('OCSP Nonce');
    const goneOut = await ask(await dir.file('gone.pem', gone.certificate_pem));
    expect(goneOut).toMatch(/gone\.pem: revoked/);
    expect(goneOut).toMatch(/Reason: superseded/i);
    const unknownOut = await ask(null, 'deadbeef01');
    expect(unknownOut).toMatch(/0xdeadbeef01: unknown/i);
  });

  it('GET with the base64 request in the path answers too; garbage is malformedRequest (400)', async () => {
    const good = await issue(t, alice, { subject: { common_name: 'ocsp-get.example.com' } });
    const issuer = await dir.file(
      'issuer2.pem',
      (await t.app.inject({ url: '/v1/ca/chain.pem' })).body.split('-----END CERTIFICATE-----')[0] +
        '-----END CERTIFICATE-----\n',
    );
    const reqFile = `${dir.dir}/req.der`;
    await run('openssl', [
      'ocsp',
      '-issuer',
      issuer,
      '-cert',
      await dir.file('g.pem', good.certificate_pem),
      '-reqout',
      reqFile,
      '-no_nonce',
    ]);
    const { readFile } = await import('node:fs/promises');
    const encoded = encodeURIComponent((await readFile(reqFile)).toString('base64'));
    const res = await fetch(`${base}/v1/ca/ocsp/${encoded}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    const respFile = await dir.file('resp.der', Buffer.from(await res.arrayBuffer()));
    const text = (await run('openssl', ['ocsp', '-respin', respFile, '-resp_text', '-noverify'])).stdout;
    expect(text).toContain('Cert Status: good');
    const bad = await fetch(`${base}/v1/ca/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: 'nonsense',
    });
    expect(bad.status).toBe(400);
    expect(Buffer.from(await bad.arrayBuffer())).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    const wrongType = await fetch(`${base}/v1/ca/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'text/html' },
      body: 'x',
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('a real TLS handshake', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('s_client verifies the chain and the host name; after revocation -crl_check refuses it', async () => {
    const cert = await issue(t, alice, { subject: { common_name: 'tls.example.com' }, sans: ['127.0.0.1'] });
    const chain = (await t.app.inject({ url: '/v1/ca/chain.pem' })).body;
    server = createTlsServer({ key: cert.private_key_pem, cert: cert.certificate_pem + chain }, (socket) =>
      socket.end('hello\n'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    // The exit code is not the verdict: the server ends the connection after its greeting, and s_client
    // sometimes exits 1 on the reset that follows a verified handshake (seen once in CI). The verdict is
    // the verification result it prints.
    const sClient = (extra: string[]) =>
      run('sh', [
        '-c',
        `echo | openssl s_client -connect 127.0.0.1:${port} -servername tls.example.com -verify_return_error -verify_hostname tls.example.com -CAfile ${files.root} ${extra.join(' ')} 2>&1`,
      ]).then(
        (r) => r.stdout,
        (e: { stdout: string }) => e.stdout,
      );
    const ok = await sClient([]);
    expect(ok, ok).toContain('Verify return code: 0 (ok)');

    await patch(t, alice, cert.id, { action: 'revoke', reason: 'keyCompromise' });
    const crl = await crlFile('tls-crl.pem');
    const refused = await sClient(['-crl_check', '-CRL', crl]);
    expect(refused, refused).toMatch(/certificate revoked/);
    expect(refused).not.toContain('Verify return code: 0 (ok)');
  });
});
