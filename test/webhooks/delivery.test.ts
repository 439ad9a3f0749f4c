import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { jobs, webhookDeliveries, webhooks } from '../../src/db/schema/index.ts';
import { resealWebhookSecrets } from '../../src/modules/webhooks/index.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { certificateData, emitIssued } from './helpers.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const ENV = { ...QUICK_AUTH_ENV, WEBHOOK_ALLOW_PRIVATE: 'on', WEBHOOK_TIMEOUT: '2s' };
let t: TestApp;
let receiver: Receiver;
let user: TestUser;

beforeAll(async () => {
  t = await buildTestApp(ENV);
  receiver = await startReceiver();
  user = await signUp(t);
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});
beforeEach(async () => {
  receiver.received.length = 0;
  receiver.respondWith();
  receiver.handle(undefined);
  await t.db.database.db.delete(webhooks);
  await t.db.database.db.delete(jobs);
});

async function createHook(url = receiver.url, events = ['certificate.issued']) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: user.headers,
    payload: { url, events },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; secret: string }>();
}

const deliveriesOf = (webhookId: string) =>
  t.db.database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));

/** Makes every queued job due now, as if the retry delay had passed. */
const makeDue = () =>
  t.db.database.db
    .update(jobs)
    .set({ runAt: new Date(Date.now() - 1000) })
    .where(eq(jobs.status, 'queued'));

describe('delivery', () => {
  it('posts {type, timestamp, data} signed per Standard Webhooks, verified by the standardwebhooks package', async () => {
    const hook = await createHook();
    // A field the CA must never put in an event: even if it did, the payload would not carry it.
    const certificate = { ...certificateData(user.id), privateKeyPem: '-----BEGIN PRIVATE KEY-----' };
    await emitIssued(t, certificate);
    expect(await t.app.ctx.worker.drain()).toBe(1);

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const verified = new Webhook(hook.secret).verify(
      request!.body,
      request!.headers as Record<string, string>,
    );
    expect(verified).toMatchObject({
      type: 'certificate.issued',
      data: {
        id: certificate.id,
        owner_id: user.id,
        serial_number: 'a1b2c3',
        common_name: 'www.example.com',
      },
    });
    expect(Date.parse((verified as { timestamp: string }).timestamp)).not.toBeNaN();
    expect(request!.body).not.toMatch(/PRIVATE KEY|private_?key/i);
    expect(request!.headers['content-type']).toBe('application/json');

    // A wrong secret does not verify: the signature really depends on it.
    expect(() =>
      new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(
        request!.body,
        request!.headers as Record<string, string>,
      ),
    ).toThrow();

    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      responseStatus: 204,
      nextAttemptAt: null,
    });
    expect(request!.headers['webhook-id']).toBe(`msg_${delivery!.id}`);
  });

  it('retries a 500 later with the same webhook-id, and lists each attempt on the deliveries route', async () => {
    const hook = await createHook();
    receiver.respondWith(500);
    await emitIssued(t, certificateData(user.id));
    await t.app.ctx.worker.drain();

    let [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({
      status: 'pending',
      attempts: 1,
      responseStatus: 500,
      lastError: 'HTTP 500',
    });
    const wait = delivery!.nextAttemptAt!.getTime() - Date.now();
    expect(wait).toBeGreaterThan(3000); // about 5 s, ±20 %
    expect(wait).toBeLessThan(6500);
    expect(await t.app.ctx.worker.drain()).toBe(0); // not due yet

    await makeDue();
    expect(await t.app.ctx.worker.drain()).toBe(1);
    [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, responseStatus: 204 });

    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(ids).toEqual([`msg_${delivery!.id}`, `msg_${delivery!.id}`]);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    for (const r of receiver.received)
      new Webhook(hook.secret).verify(r.body, r.headers as Record<string, string>);

    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${hook.id}/deliveries`,
      headers: user.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      expect.objectContaining({
        id: delivery!.id,
        event_type: 'certificate.issued',
        status: 'succeeded',
        attempts: 2,
        response_status: 204,
        next_attempt_at: null,
        duration_ms: expect.any(Number),
      }),
    ]);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const hook = await createHook();
    receiver.handle((_req, res) => {
      res.writeHead(307, { location: `${receiver.url}/elsewhere` }).end();
    });
    await emitIssued(t, certificateData(user.id));
    await t.app.ctx.worker.drain();
    expect(receiver.received).toHaveLength(1);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: 'pending', responseStatus: 307 });
  });

  it('gives up on a receiver that does not answer within WEBHOOK_TIMEOUT', async () => {
    const hook = await createHook();
    receiver.handle(() => undefined); // never answers
    const started = Date.now();
    await emitIssued(t, certificateData(user.id));
    await t.app.ctx.worker.drain();
    expect(Date.now() - started).toBeLessThan(4000);
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null });
    expect(delivery!.lastError).toMatch(/timed out/);
  });

  it('reads at most 64 KiB of an answer: an endless body does not hold the attempt', async () => {
    const hook = await createHook();
    receiver.handle((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    await emitIssued(t, certificateData(user.id));
    await t.app.ctx.worker.drain();
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery).toMatchObject({ status: 'succeeded', responseStatus: 200 });
    expect(delivery!.durationMs).toBeLessThan(1500);
  });

  it('marks a delivery failed once the schedule is spent; a manual retry sends it again with the same id', async () => {
    const hook = await createHook();
    receiver.respondWith(...Array<number>(9).fill(503));
    await emitIssued(t, certificateData(user.id));
    for (let attempt = 1; attempt <= 9; attempt++) {
      await makeDue();
      expect(await t.app.ctx.worker.drain()).toBe(1);
    }
    const [failed] = await deliveriesOf(hook.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 9, responseStatus: 503, nextAttemptAt: null });
    await makeDue();
    expect(await t.app.ctx.worker.drain()).toBe(0); // nothing left queued

    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${hook.id}/deliveries/${failed!.id}/retry`,
      headers: user.headers,
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ id: failed!.id, status: 'pending' });
    expect(await t.app.ctx.worker.drain()).toBe(1);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: 'succeeded', attempts: 10 });
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([`msg_${failed!.id}`]),
    );
  });

  it('a manual retry of a pending delivery brings its next attempt forward', async () => {
    const hook = await createHook();
    receiver.respondWith(500);
    await emitIssued(t, certificateData(user.id));
    await t.app.ctx.worker.drain();
    const [delivery] = await deliveriesOf(hook.id);
    expect(await t.app.ctx.worker.drain()).toBe(0);
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${hook.id}/deliveries/${delivery!.id}/retry`,
      headers: user.headers,
    });
    expect(res.statusCode).toBe(202);
    expect(await t.app.ctx.worker.drain()).toBe(1);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a secret sealed under another master key is a failed attempt on the schedule; resealed, it is sent', async () => {
    const hook = await createHook();
    const db = t.db.database.db;
    const other = randomBytes(32);
    expect(await resealWebhookSecrets(db, t.app.ctx.masterKey, other)).toBe(1);
    await emitIssued(t, certificateData(user.id));
    await t.app.ctx.worker.drain();
    expect(receiver.received).toHaveLength(0);
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'the signing secret cannot be opened here',
    });

    expect(await resealWebhookSecrets(db, other, t.app.ctx.masterKey)).toBe(1);
    expect(await resealWebhookSecrets(db, other, t.app.ctx.masterKey)).toBe(0); // idempotent
    await makeDue();
    await t.app.ctx.worker.drain();
    expect((await deliveriesOf(hook.id))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [request] = receiver.received;
    new Webhook(hook.secret).verify(request!.body, request!.headers as Record<string, string>);
  });

  it('housekeeping purges finished deliveries past RETENTION_JOBS, and keeps pending ones', async () => {
    const hook = await createHook();
    receiver.respondWith(204, 500);
    await emitIssued(t, certificateData(user.id));
    await emitIssued(t, certificateData(user.id));
    await t.app.ctx.worker.drain();
    const longAgo = new Date(Date.now() - 8 * 86_400_000);
    await t.db.database.db.update(webhookDeliveries).set({ lastAttemptAt: longAgo });
    expect((await t.app.ctx.housekeeping.runOnce()).webhook_deliveries).toBe(1);
    expect(await deliveriesOf(hook.id)).toEqual([expect.objectContaining({ status: 'pending' })]);
  });

  it('sends nothing for a webhook deleted before its delivery ran', async () => {
    const hook = await createHook();
    await emitIssued(t, certificateData(user.id));
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${hook.id}`,
      headers: user.headers,
    });
    expect(res.statusCode).toBe(204);
    await t.app.ctx.worker.drain();
    expect(receiver.received).toHaveLength(0);
  });

  it('writes no delivery when the change rolls back (outbox)', async () => {
    const hook = await createHook();
    await expect(
      t.app.ctx.database.db.transaction(async (tx) => {
        await t.app.ctx.events.emit(tx, 'certificate.issued', {
          certificate: certificateData(user.id),
          actor: { accountId: user.id, requestId: null, ip: null },
        });
        throw new Error('issuance failed');
      }),
    ).rejects.toThrow('issuance failed');
    expect(await deliveriesOf(hook.id)).toHaveLength(0);
    expect(await t.app.ctx.worker.drain()).toBe(0);
  });
});

describe('restart', () => {
  it('loses no delivery: a job written by one instance is sent by the next, same webhook-id', async () => {
    // The test's own database, reopened by two instances in turn.
    const database = t.db;
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-webhooks-'));
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...ENV });
    const masterKey = t.app.ctx.masterKey; // the signing keys in the database are sealed with it
    const boot = async () => {
      const app = await buildApp({ config, database: database.database, masterKey, startWorker: false });
      await app.ready();
      return app;
    };
    try {
      const first = await boot();
      const twin = { ...t, app: first } as TestApp;
      const owner = await signUp(twin);
      const created = await first.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: owner.headers,
        payload: { url: receiver.url, events: ['certificate.issued'] },
      });
      const { secret } = created.json<{ secret: string }>();
      receiver.respondWith(500);
      await emitIssued(twin, certificateData(owner.id));
      await first.ctx.worker.drain(); // attempt 1: 500, attempt 2 queued
      await first.close(); // the instance goes away with a delivery pending

      const second = await boot();
      await database.database.db.update(jobs).set({ runAt: new Date(Date.now() - 1000) });
      await second.ctx.worker.drain(); // the delivery (and whatever else the CA queued at boot)
      await second.close();

      expect(receiver.received).toHaveLength(2);
      const [a, b] = receiver.received;
      expect(a!.headers['webhook-id']).toBe(b!.headers['webhook-id']);
      new Webhook(secret).verify(b!.body, b!.headers as Record<string, string>);
      const rows = await database.database.db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, 'succeeded'), eq(webhookDeliveries.attempts, 2)));
      expect(rows).toHaveLength(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
