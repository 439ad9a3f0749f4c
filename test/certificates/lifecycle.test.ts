// PATCH /v1/certificates/{id} (renew, hold, release, revoke, labels), the inventory with its filters and paging,
// CSR signing with `openssl req`, and bad input: each a 4xx problem with nothing written.
import { X509Certificate } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificates } from '../../src/db/schema/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { buildCaApp, caFiles, issue, opensslCsr, patch, run, scratch } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;
let dir: Awaited<ReturnType<typeof scratch>>;
let files: { root: string; chain: string };

beforeAll(async () => {
  t = await buildCaApp({ CERT_MAX_VALIDITY_DAYS: '100' });
  [alice, bob, admin] = await Promise.all([signUp(t), signUp(t), signUp(t, { admin: true })]);
  dir = await scratch();
  files = await caFiles(t, dir);
});
afterAll(async () => {
  await dir?.close();
  await t?.close();
});

const count = async () =>
  (await t.db.database.db.select({ n: sql<number>`count(*)::int` }).from(certificates))[0]!.n;
const get = (user: TestUser, id: string) =>
  t.app.inject({ url: `/v1/certificates/${id}`, headers: user.headers });

describe('PATCH /v1/certificates/{id}', () => {
  it('deactivate → on_hold, activate → active, revoke → revoked and final (409 naming the status)', async () => {
    const cert = await issue(t, alice, { subject: { common_name: 'life.example.com' } });
    const held = await patch(t, alice, cert.id, { action: 'deactivate' });
    expect(held.statusCode, held.body).toBe(200);
    expect(held.json()).toMatchObject({
      status: 'on_hold',
      is_active: false,
      revocation_reason: 'certificateHold',
    });
    expect((await patch(t, alice, cert.id, { action: 'deactivate' })).statusCode).toBe(409);
    const released = await patch(t, alice, cert.id, { action: 'activate' });
    expect(released.json()).toMatchObject({ status: 'active', is_active: true, revocation_reason: null });
    const revoked = await patch(t, alice, cert.id, { action: 'revoke', reason: 'keyCompromise' });
    expect(revoked.json()).toMatchObject({ status: 'revoked', revocation_reason: 'keyCompromise' });
    for (const action of ['revoke', 'activate', 'deactivate', 'renew']) {
      const again = await patch(t, alice, cert.id, { action });
      expect(again.statusCode).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      expect(again.json().detail).toContain('revoked');
      expect(again.json().errors).toEqual([{ path: '/status', message: 'revoked' }]);
    }
  });

  it('renew → a successor with the same key and subject, linked both ways', async () => {
    const cert = await issue(t, alice, {
      subject: { common_name: 'renew.example.com', organization: 'Ex' },
      sans: ['a.example.com'],
    });
    const res = await patch(t, alice, cert.id, { action: 'renew', validity_days: 20 });
    expect(res.statusCode, res.body).toBe(200);
    const next = res.json();
    expect(next.id).not.toBe(cert.id);
    expect(next.renewed_from).toBe(cert.id);
    expect(next.serial_number).not.toBe(cert.serial_number);
    expect(next.subject).toEqual(cert.subject);
    expect(next.sans).toEqual(cert.sans);
    const [a, b] = [new X509Certificate(cert.certificate_pem), new X509Certificate(next.certificate_pem)];
    expect(b.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      a.publicKey.export({ type: 'spki', format: 'der' }),
    );
    expect(b.subject).toBe(a.subject);
    expect((await get(alice, cert.id)).json().renewed_by).toBe(next.id);
    const leaf = await dir.file('renewed.pem', next.certificate_pem);
    expect(
      (await run('openssl', ['verify', '-CAfile', files.root, '-untrusted', files.chain, leaf])).stdout,
    ).toContain('OK');
    expect((await patch(t, alice, cert.id, { action: 'renew' })).statusCode).toBe(409);
  });

  it('labels edit metadata, alone or with an action', async () => {
    const cert = await issue(t, alice, {
      subject: { common_name: 'labels.example.com' },
      labels: { team: 'a' },
    });
    expect(cert.labels).toEqual({ team: 'a' });
    const res = await patch(t, alice, cert.id, { labels: { team: 'b', env: 'prod' } });
    expect(res.json().labels).toEqual({ team: 'b', env: 'prod' });
  });

  it('someone else’s certificate is 404 for reads and updates; an admin reaches it', async () => {
    const cert = await issue(t, alice, { subject: { common_name: 'mine.example.com' } });
    expect((await get(bob, cert.id)).statusCode).toBe(404);
    expect((await patch(t, bob, cert.id, { action: 'revoke' })).statusCode).toBe(404);
    expect((await get(alice, cert.id)).json().status).toBe('active');
    expect((await get(admin, cert.id)).statusCode).toBe(200);
  });

  it('status is expired once not_after has passed, whatever is stored', async () => {
    const cert = await issue(t, alice, { subject: { common_name: 'old.example.com' } });
    await t.db.database.db.execute(
      sql`update certificates set not_after = now() - interval '1 hour' where id = ${cert.id}`,
    );
    expect((await get(alice, cert.id)).json()).toMatchObject({ status: 'expired', is_active: false });
    expect((await patch(t, alice, cert.id, { action: 'deactivate' })).json().errors[0].message).toBe(
      'expired',
    );
  });
});

describe('GET /v1/certificates', () => {
  it('lists own certificates (admins: all) with filters and cursor paging', async () => {
    const a = await issue(t, bob, { subject: { common_name: 'one.bob.example' }, sans: ['x.bob.example'] });
    const b = await issue(t, bob, { subject: { common_name: 'two.bob.example' }, validity_days: 5 });
    await patch(t, bob, b.id, { action: 'deactivate' });
    const list = async (user: TestUser, query: string) => {
      const res = await t.app.inject({ url: `/v1/certificates?${query}`, headers: user.headers });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: { id: string }[]; next_cursor: string | null }>();
    };
    expect((await list(bob, '')).items.map((c) => c.id)).toEqual([b.id, a.id]);
    expect((await list(bob, 'status=on_hold')).items.map((c) => c.id)).toEqual([b.id]);
    expect((await list(bob, 'san=x.bob.example')).items.map((c) => c.id)).toEqual([a.id]);
    expect((await list(bob, 'common_name=ONE.bob.example')).items.map((c) => c.id)).toEqual([a.id]);
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();
    expect((await list(bob, `expiring_before=${soon}`)).items.map((c) => c.id)).toEqual([b.id]);
    const page1 = await list(bob, 'limit=1');
    expect(page1.items.map((c) => c.id)).toEqual([b.id]);
    const page2 = await list(bob, `limit=1&cursor=${page1.next_cursor}`);
    expect(page2.items.map((c) => c.id)).toEqual([a.id]);
    const foreign = await t.app.inject({
      url: `/v1/certificates?owner_id=${bob.id}`,
      headers: alice.headers,
    });
    expect(foreign.statusCode).toBe(403);
    expect((await list(admin, `owner_id=${bob.id}`)).items).toHaveLength(2);
  });
});

describe('CSRs made by openssl req', () => {
  it.each([
    ['RSA', ['-newkey', 'rsa:2048'], 'rsa-2048'],
    ['EC', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'ec-p256'],
  ])(
    '%s CSR → signed; SANs kept, other requested extensions ignored; openssl verify OK',
    async (_n, args, algorithm) => {
      const key = `${dir.dir}/${algorithm}.key`;
      const csr = `${dir.dir}/${algorithm}.csr`;
      await run('openssl', [
        'req',
        '-new',
        ...args,
        '-nodes',
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        '/O=Example/CN=csr.example.com',
        '-addext',
        'subjectAltName=DNS:csr.example.com,DNS:alt.example.com,IP:192.0.2.7',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ]);
      const { readFile } = await import('node:fs/promises');
      const body = await issue(t, alice, { csr_pem: await readFile(csr, 'utf8') });
      expect(body.private_key_pem).toBeUndefined();
      expect(body.key_algorithm).toBe(algorithm);
      expect(body.sans).toEqual(['csr.example.com', 'alt.example.com', '192.0.2.7']);
      const leaf = await dir.file(`${algorithm}-leaf.pem`, body.certificate_pem);
      expect(
        (await run('openssl', ['verify', '-CAfile', files.root, '-untrusted', files.chain, leaf])).stdout,
      ).toContain('OK');
      const text = (await run('openssl', ['x509', '-in', leaf, '-noout', '-text'])).stdout;
      expect(text).toMatch(/CA:FALSE/);
      const certKey = new X509Certificate(body.certificate_pem).publicKey.export({
        type: 'spki',
        format: 'pem',
      });
      const { createPrivateKey, createPublicKey } = await import('node:crypto');
      expect(
        createPublicKey(createPrivateKey(await readFile(key))).export({ type: 'spki', format: 'pem' }),
      ).toBe(certKey);
    },
  );
});

describe('bad input → 4xx problem, nothing written', () => {
  const weakCsr = () => opensslCsr(dir, 'weak', ['rsa:1024'], 'weak.example.com');
  const goodCsr = () =>
    opensslCsr(dir, 'g', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'good.example.com');
  const k1Csr = () =>
    opensslCsr(dir, 'k1', ['ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'], 'k1.example.com');
  const tamper = (pem: string) => {
    // Flip a byte of the subject (inside the signed part): the signature no longer verifies.
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('good.example.com'));
    der[at] = 'h'.charCodeAt(0);
    return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  };

  it.each([
    ['control: a valid request', async () => ({ subject: { common_name: 'ok.example.com' } }), 201],
    [
      'malformed PEM',
      async () => ({
        csr_pem: '-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n-----END CERTIFICATE REQUEST-----',
      }),
      422,
    ],
    [
      'garbage DER in a PEM',
      async () => ({
        csr_pem: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
      }),
      422,
    ],
    ['a 1024-bit RSA CSR', async () => ({ csr_pem: await weakCsr() }), 422],
    ['a CSR on an unknown curve (secp256k1)', async () => ({ csr_pem: await k1Csr() }), 422],
    ['a CSR with a bad signature', async () => ({ csr_pem: tamper(await goodCsr()) }), 422],
    [
      'a SAN that is not a name',
      async () => ({ subject: { common_name: 'ok.example.com' }, sans: ['not a name!'] }),
      422,
    ],
    ['a bare wildcard', async () => ({ subject: { common_name: 'ok.example.com' }, sans: ['*.com'] }), 422],
    [
      'a wildcard not leading',
      async () => ({ subject: { common_name: 'ok.example.com' }, sans: ['a.*.example.com'] }),
      422,
    ],
    ['a CN that is not a host for TLS', async () => ({ subject: { common_name: 'Alice Example' } }), 422],
    [
      'validity over the cap',
      async () => ({ subject: { common_name: 'ok.example.com' }, validity_days: 101 }),
      422,
    ],
    [
      'an unknown key algorithm',
      async () => ({ subject: { common_name: 'ok.example.com' }, key_algorithm: 'dsa-1024' }),
      422,
    ],
    [
      'both subject and csr_pem',
      async () => ({ subject: { common_name: 'ok.example.com' }, csr_pem: await goodCsr() }),
      422,
    ],
    ['neither subject nor csr_pem', async () => ({ sans: ['ok.example.com'] }), 422],
    [
      'a control character in the CN',
      async () => ({ subject: { common_name: 'ok\u0000.example.com' } }),
      422,
    ],
    [
      'another owner (not an admin)',
      async () => ({ subject: { common_name: 'ok.example.com' }, owner_id: bob.id }),
      403,
    ],
  ] as const)('%s → %i', async (_name, payload, status) => {
    const before = await count();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/certificates',
      headers: alice.headers,
      payload: await payload(),
    });
    expect(res.statusCode, res.body).toBe(status);
    if (status !== 201) {
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(await count()).toBe(before);
    }
  });

  it('an admin issues for another account; an unknown owner is 422', async () => {
    const body = await issue(t, admin, { subject: { common_name: 'for-bob.example.com' }, owner_id: bob.id });
    expect(body.owner_id).toBe(bob.id);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/certificates',
      headers: admin.headers,
      payload: {
        subject: { common_name: 'x.example.com' },
        owner_id: '01900000-0000-7000-8000-000000000000',
      },
    });
    expect(res.statusCode).toBe(422);
  });

  it.each([
    [{ action: 'revoke', reason: 'notAReason' }, 422],
    [{ action: 'explode' }, 422],
    [{}, 422],
    [{ action: 'deactivate', reason: 'keyCompromise' }, 422],
    [{ action: 'renew', validity_days: 1000 }, 422],
  ])('PATCH %j → %i', async (payload, status) => {
    const cert = await issue(t, alice, { subject: { common_name: 'patch.example.com' } });
    const res = await patch(t, alice, cert.id, payload);
    expect(res.statusCode, res.body).toBe(status);
    expect((await get(alice, cert.id)).json().status).toBe('active');
  });
});
