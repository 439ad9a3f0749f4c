// /v1/webhooks: registration and its checks, who sees what, fan-out by owner, export and account deletion.
import { eq } from 'drizzle-orm';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { jobs, webhookDeliveries, webhooks } from '../../src/db/schema/index.ts';
import { isPublicAddress } from '../../src/modules/webhooks/address-policy.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { certificateData, emitIssued, SYSTEM } from './helpers.ts';

const RECEIVER = 'https://93.184.216.34/hook'; // public, never contacted: nothing drains the queue here
let t: TestApp;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  // WEBHOOK_ALLOW_PRIVATE off: the production setting, so creation refuses private targets.
  t = await buildTestApp(QUICK_AUTH_ENV);
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
  bob = await signUp(t);
});
afterAll(() => t?.close());
beforeEach(async () => {
  await t.db.database.db.delete(webhooks);
  await t.db.database.db.delete(jobs);
});

const create = (user: TestUser, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: user.headers, payload });

async function hookOf(user: TestUser, extra: Record<string, unknown> = {}) {
  const res = await create(user, { url: RECEIVER, events: ['certificate.issued'], ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; secret: string }>();
}

const deliveriesFor = (webhookId: string) =>
  t.db.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));

describe('POST /v1/webhooks', () => {
  it('registers a webhook and shows a generated whsec_ secret once, never again', async () => {
    const res = await create(alice, { url: RECEIVER, events: ['certificate.issued', 'certificate.revoked'] });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      owner_id: alice.id,
      url: RECEIVER,
      events: ['certificate.issued', 'certificate.revoked'],
      all_accounts: false,
    });
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [row] = await t.db.database.db.select().from(webhooks).where(eq(webhooks.id, body.id));
    expect(row!.secretSealed).not.toContain(body.secret.slice(6)); // sealed at rest

    const listed = await t.app.inject({ method: 'GET', url: '/v1/webhooks', headers: alice.headers });
    const got = await t.app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}`, headers: alice.headers });
    for (const res of [listed, got]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(body.secret);
      expect(res.body).not.toContain('secret');
    }
    expect(listed.json().items).toHaveLength(1);
  });

  it('refuses a name that resolves to a non-public address (this machine’s own name here)', async () => {
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    const local = addresses.length > 0 && addresses.some((a) => !isPublicAddress(a.address));
    const res = await create(alice, { url: `http://${name}:8080/hook`, events: ['certificate.issued'] });
    // The machine's name resolves to 127.0.0.1 through /etc/hosts wherever these tests run; elsewhere,
    // to a public address (then accepted) or to nothing (then checked again at send time, accepted).
    expect(res.statusCode).toBe(local ? 422 : 201);
    if (local) expect(res.json().errors).toEqual([expect.objectContaining({ path: '/body/url' })]);
  });

  it('keeps a secret the client chose', async () => {
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const res = await create(alice, { url: RECEIVER, events: ['account.linked'], secret });
    expect(res.statusCode).toBe(201);
    expect(res.json().secret).toBe(secret);
  });

  it.each([
    ['localhost', 'http://localhost:8080/hook'],
    ['a loopback literal', 'http://127.0.0.1/hook'],
    ['127.1', 'http://127.1/hook'],
    ['a decimal address', 'http://2130706433/hook'],
    ['a hex address', 'http://0x7f000001/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/hook'],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data'],
    ['a private network', 'https://192.168.0.10/hook'],
    ['a name resolving to 127.0.0.1', 'http://localhost./hook'],
  ])('refuses %s with a 422 naming url, writing nothing', async (_name, url) => {
    const res = await create(alice, { url, events: ['certificate.issued'] });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: '/body/url' })]);
    expect(await t.db.database.db.select().from(webhooks)).toHaveLength(0);
  });

  it.each([
    ['an unknown event', { url: RECEIVER, events: ['certificate.exploded'] }, '/body/events/0'],
    ['no events', { url: RECEIVER, events: [] }, '/body/events'],
    ['a repeated event', { url: RECEIVER, events: ['account.linked', 'account.linked'] }, '/body/events'],
    [
      'a secret without whsec_',
      { url: RECEIVER, events: ['account.linked'], secret: 'hunter2' },
      '/body/secret',
    ],
    ['a short secret', { url: RECEIVER, events: ['account.linked'], secret: 'whsec_AAAA' }, '/body/secret'],
    [
      'a url with a control character',
      { url: 'https://a.example/\u0000', events: ['account.linked'] },
      '/body/url',
    ],
    ['an ftp url', { url: 'ftp://example.com/x', events: ['account.linked'] }, '/body/url'],
    ['an unknown field', { url: RECEIVER, events: ['account.linked'], extra: 1 }, ''],
  ])('refuses %s with 422', async (_name, payload, path) => {
    const res = await create(alice, payload);
    expect(res.statusCode, res.body).toBe(422);
    if (path) expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await t.db.database.db.select().from(webhooks)).toHaveLength(0);
  });

  it('refuses all_accounts to a non-admin (403) and grants it to an admin', async () => {
    expect(
      (await create(alice, { url: RECEIVER, events: ['account.deleted'], all_accounts: true })).statusCode,
    ).toBe(403);
    expect(
      (await create(admin, { url: RECEIVER, events: ['account.deleted'], all_accounts: true })).statusCode,
    ).toBe(201);
  });

  it('caps an account at 25 webhooks (409), writing nothing more', async () => {
    await t.db.database.db.insert(webhooks).values(
      Array.from({ length: 25 }, () => ({
        id: newId(),
        accountId: bob.id,
        url: RECEIVER,
        events: ['certificate.issued'],
        secretSealed: 'v1:x:y:z',
      })),
    );
    const res = await create(bob, { url: RECEIVER, events: ['certificate.issued'] });
    expect(res.statusCode).toBe(409);
    expect(await t.db.database.db.select().from(webhooks)).toHaveLength(25);
    expect((await create(alice, { url: RECEIVER, events: ['certificate.issued'] })).statusCode).toBe(201);
  });

  it('needs a credential', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: RECEIVER, events: ['certificate.issued'] },
    });
    expect(res.statusCode).toBe(401);
  });

  it('needs the read scope of the events it subscribes to', async () => {
    const narrow = await signUp(t, { scope: 'accounts:read' });
    expect((await create(narrow, { url: RECEIVER, events: ['certificate.issued'] })).statusCode).toBe(403);
    expect((await create(narrow, { url: RECEIVER, events: ['account.linked'] })).statusCode).toBe(201);
  });
});

describe('someone else’s webhook', () => {
  it.each([
    ['GET', ''],
    ['DELETE', ''],
    ['GET', '/deliveries'],
    ['POST', `/deliveries/${newId()}/retry`],
  ] as const)('%s …%s is 404 to another account, and works for an admin', async (method, suffix) => {
    const hook = await hookOf(alice);
    const url = `/v1/webhooks/${hook.id}${suffix}`;
    const res = await t.app.inject({ method, url, headers: bob.headers });
    expect(res.statusCode).toBe(404);
    const byAdmin = await t.app.inject({ method, url, headers: admin.headers });
    // The retry names a delivery that does not exist: 404 for the admin too, but for the delivery.
    expect(byAdmin.statusCode).toBe(suffix.includes('retry') ? 404 : method === 'DELETE' ? 204 : 200);
  });

  it('lists only one’s own; admins list everyone’s with ?all=true, others get 403 for it', async () => {
    await hookOf(alice);
    await hookOf(bob);
    const mine = await t.app.inject({ method: 'GET', url: '/v1/webhooks', headers: bob.headers });
    expect(mine.json().items.map((w: { owner_id: string }) => w.owner_id)).toEqual([bob.id]);
    const all = await t.app.inject({ method: 'GET', url: '/v1/webhooks?all=true', headers: admin.headers });
    expect(all.json().items).toHaveLength(2);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/webhooks?all=true', headers: bob.headers })).statusCode,
    ).toBe(403);
  });

  it('pages with a cursor and refuses a forged one', async () => {
    for (let i = 0; i < 3; i++) await hookOf(alice);
    const first = await t.app.inject({ method: 'GET', url: '/v1/webhooks?limit=2', headers: alice.headers });
    const { items, next_cursor } = first.json();
    expect(items).toHaveLength(2);
    const second = await t.app.inject({
      method: 'GET',
      url: `/v1/webhooks?limit=2&cursor=${next_cursor}`,
      headers: alice.headers,
    });
    expect(second.json()).toMatchObject({ next_cursor: null });
    expect(second.json().items).toHaveLength(1);
    const forged = await t.app.inject({
      method: 'GET',
      url: '/v1/webhooks?cursor=bm9wZQ',
      headers: alice.headers,
    });
    expect(forged.statusCode).toBe(400);
  });
});

describe('fan-out', () => {
  it('an event about one account reaches its webhooks and admins’ all-accounts ones, not other accounts’', async () => {
    const alices = await hookOf(alice);
    const bobs = await hookOf(bob);
    const admins = await hookOf(admin, { all_accounts: true });
    const adminsOwn = await hookOf(admin);
    await emitIssued(t, certificateData(alice.id));
    expect(await deliveriesFor(alices.id)).toHaveLength(1);
    expect(await deliveriesFor(admins.id)).toHaveLength(1);
    expect(await deliveriesFor(bobs.id)).toHaveLength(0);
    expect(await deliveriesFor(adminsOwn.id)).toHaveLength(0);
    // A delivery exists exactly with a queued job for it.
    expect(await t.db.database.db.select().from(jobs).where(eq(jobs.queue, 'webhooks.deliver'))).toHaveLength(
      2,
    );
  });

  it('only events subscribed to', async () => {
    const hook = await hookOf(alice, { events: ['certificate.revoked'] });
    await emitIssued(t, certificateData(alice.id));
    expect(await deliveriesFor(hook.id)).toHaveLength(0);
  });

  it('account.linked carries the account and provider, nothing more', async () => {
    const hook = await hookOf(alice, { events: ['account.linked'] });
    await t.db.database.db.transaction((tx) =>
      t.app.ctx.events.emit(tx, 'account.linked', { accountId: alice.id, provider: 'github', actor: SYSTEM }),
    );
    const [delivery] = await deliveriesFor(hook.id);
    expect(JSON.parse(delivery!.body)).toEqual({
      type: 'account.linked',
      timestamp: expect.any(String),
      data: { account_id: alice.id, provider: 'github' },
    });
  });
});

describe('account deletion and export', () => {
  it('the export lists the account’s webhooks without their secrets', async () => {
    const hook = await hookOf(alice);
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/accounts/${alice.id}/export`,
      headers: alice.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().sections.webhooks).toEqual([
      {
        id: hook.id,
        url: RECEIVER,
        events: ['certificate.issued'],
        all_accounts: false,
        created_at: expect.any(String),
      },
    ]);
    expect(res.body).not.toContain(hook.secret);
  });

  it('deleting an account deletes its webhooks and tells admins’ all-accounts webhooks', async () => {
    const doomed = await signUp(t);
    const own = await hookOf(doomed, { events: ['certificate.issued', 'account.deleted'] });
    const watcher = await hookOf(admin, { events: ['account.deleted'], all_accounts: true });
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${doomed.id}`,
      headers: doomed.headers,
    });
    expect(res.statusCode).toBe(204);
    expect(await t.db.database.db.select().from(webhooks).where(eq(webhooks.id, own.id))).toHaveLength(0);
    const [delivery] = await deliveriesFor(watcher.id);
    expect(JSON.parse(delivery!.body)).toMatchObject({
      type: 'account.deleted',
      data: { account_id: doomed.id },
    });
    expect(delivery!.body).not.toContain(doomed.email);
  });
});
