import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { createSmtpSink } from '../../../test/helpers/smtp-sink.ts';
import { enqueue } from '../../core/jobs/queue.ts';
import { JobWorker } from '../../core/jobs/worker.ts';
import { jobs, mailMessages } from '../../db/schema/index.ts';
import { mailSendHandler } from './mail.jobs.ts';
import { mailRepository } from './mail.repository.ts';
import { MAIL_SEND_QUEUE, queueMail } from './mail.service.ts';
import { renderMail } from './mail.templates.ts';
import { createMailer } from './mail.transport.ts';

const sink = createSmtpSink();
let t: TestApp;

beforeAll(async () => {
  const { url } = await sink.start();
  t = await buildTestApp({ SMTP_URL: url, PUBLIC_URL: 'https://bulwark.example' });
});
afterAll(async () => {
  await t?.close();
  await sink.stop();
});
beforeEach(async () => {
  sink.clear();
  await db().delete(jobs);
  await db().delete(mailMessages);
});

const db = () => t.app.ctx.database.db;
const drain = () => t.app.ctx.worker.drain();
const queueVerification = (to: string, token = 'tok-secret-1') =>
  db().transaction((tx) =>
    queueMail(tx, {
      to,
      ...renderMail('verify-email', { name: 'Ada', token, expiresInSeconds: 86_400 }, t.config.publicUrl),
    }),
  );
const message = async (id: string) => (await mailRepository.findById(db(), id))!;
const jobFor = async (mailId: string) =>
  (await db().select().from(jobs).where(eq(jobs.singletonKey, mailId)))[0]!;
const makeJobsDue = () =>
  db()
    .update(jobs)
    .set({ runAt: new Date(Date.now() - 1000) });

describe('mail delivery over SMTP', () => {
  it('delivers a queued message with its subject, text and HTML, the link built from PUBLIC_URL', async () => {
    const id = await queueVerification('ada@example.com');
    expect(await drain()).toBe(1);

    const [received] = await sink.waitForMessages(1);
    expect(received).toMatchObject({
      to: ['ada@example.com'],
      from: 'Bulwark <no-reply@bulwark.example>',
      subject: 'Verify your email address for Bulwark',
    });
    expect(received!.text).toContain('Hello Ada,');
    expect(received!.text).toContain('https://bulwark.example/verify-email?token=tok-secret-1');
    expect(received!.html).toContain('href="https://bulwark.example/verify-email?token=tok-secret-1"');

    const row = await message(id);
    expect(row).toMatchObject({ status: 'sent', messageId: received!.messageId, lastError: null });
    expect(row.sentAt).toBeInstanceOf(Date);
    // The single-use token does not outlive the delivery in the database.
    expect(JSON.stringify(row)).not.toContain('tok-secret-1');
  });

  it('never sends a message queued in a transaction that rolled back', async () => {
    await expect(
      db().transaction(async (tx) => {
        await queueMail(tx, { to: 'x@example.com', ...renderMail('welcome', {}, t.config.publicUrl) });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await drain()).toBe(0);
    expect(await db().select().from(mailMessages)).toHaveLength(0);
    expect(sink.messages).toHaveLength(0);
  });

  it('retries after a temporary SMTP failure and sends exactly once', async () => {
    sink.rejectNext(1, 451);
    const id = await queueVerification('retry@example.com');
    expect(await drain()).toBe(1);
    expect(sink.rejected).toBe(1);
    expect(sink.messages).toHaveLength(0);
    expect(await message(id)).toMatchObject({ status: 'queued', lastError: expect.stringContaining('451') });
    expect(await jobFor(id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await drain()).toBe(0); // backing off

    await makeJobsDue();
    expect(await drain()).toBe(1);
    expect(await drain()).toBe(0);
    expect(sink.messages.map((m) => m.to)).toEqual([['retry@example.com']]);
    expect(await message(id)).toMatchObject({ status: 'sent', lastError: null });
    expect(await jobFor(id)).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('marks the message failed on the last attempt', async () => {
    sink.rejectNext(1, 421);
    const id = await queueVerification('last@example.com');
    await db().update(jobs).set({ maxAttempts: 1 });
    await drain();
    expect(await message(id)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('421') });
    expect(await jobFor(id)).toMatchObject({ status: 'failed' });
  });

  it('does not retry a permanent refusal (5xx)', async () => {
    sink.rejectNext(1, 550, 'No such user');
    const id = await queueVerification('nobody@example.com');
    await drain();
    await makeJobsDue();
    expect(await drain()).toBe(0);
    expect(sink.rejected).toBe(1);
    expect(await message(id)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('550') });
    expect(await jobFor(id)).toMatchObject({ status: 'completed', result: { status: 'failed' } });
  });

  it('does not send twice when a second job for a sent message runs', async () => {
    const id = await queueVerification('once@example.com');
    await drain();
    // A duplicate job, as after a crash between delivery and the job's completion.
    await enqueue(db(), MAIL_SEND_QUEUE, { mailId: id }, { singletonKey: id });
    expect(await drain()).toBe(1);
    expect(await drain()).toBe(0);
    expect(sink.messages).toHaveLength(1);
    const duplicate = await db().select().from(jobs).where(eq(jobs.singletonKey, id));
    expect(duplicate.map((j) => j.result)).toContainEqual({ status: 'skipped', reason: 'already sent' });
  });

  it('sends each message once when two instances compete', async () => {
    const logger = pino({ level: 'silent' });
    const instances = [0, 1].map(() => {
      const transport = createMailer(t.config)!;
      const worker = new JobWorker(t.app.ctx.database, { pollMs: 60_000, logger, concurrency: 4 });
      worker.register(MAIL_SEND_QUEUE, mailSendHandler({ db: db(), transport, logger }));
      return { worker, transport };
    });
    try {
      for (let i = 0; i < 12; i++) await queueVerification(`user${i}@example.com`, `tok-${i}`);
      let ran = 0;
      for (let round = 0; round < 20 && ran < 12; round++) {
        const counts = await Promise.all(instances.map((i) => i.worker.drain()));
        ran += counts.reduce((a, b) => a + b, 0);
      }
      expect(ran).toBe(12);
      const recipients = sink.messages.map((m) => m.to[0]).sort();
      expect(recipients).toHaveLength(12);
      expect(new Set(recipients).size).toBe(12);
    } finally {
      for (const i of instances) i.transport.close();
    }
  });
});
