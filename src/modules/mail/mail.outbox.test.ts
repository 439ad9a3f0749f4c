import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { jobs, mailMessages } from '../../db/schema/index.ts';
import { printOutbox } from './mail.cli.ts';
import { mailSendHandler } from './mail.jobs.ts';
import { mailRepository } from './mail.repository.ts';
import { queueMail } from './mail.service.ts';
import { renderMail } from './mail.templates.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ PUBLIC_URL: 'https://dev.example' });
});
afterAll(() => t?.close());
beforeEach(async () => {
  await db().delete(jobs);
  await db().delete(mailMessages);
});

const db = () => t.app.ctx.database.db;
const queueReset = (to: string, name = 'Ada', token = 'reset-token-42') =>
  db().transaction((tx) =>
    queueMail(tx, {
      to,
      ...renderMail('password-reset', { name, token, expiresInSeconds: 3600 }, t.config.publicUrl),
    }),
  );
const printed = async (limit?: number) => {
  let output = '';
  const count = await printOutbox(t.app.ctx.database, { write: (s: string) => (output += s) }, { limit });
  return { output, count };
};

describe('with no SMTP configured', () => {
  it('keeps the message in the outbox, and `bulwark mail outbox` prints it with its link', async () => {
    const id = await queueReset('ada@example.com');
    expect(await t.app.ctx.worker.drain()).toBe(1);
    expect(await mailRepository.findById(db(), id)).toMatchObject({ status: 'outbox', sentAt: null });

    const { output, count } = await printed();
    expect(count).toBe(1);
    expect(output).toContain('To:      ada@example.com');
    expect(output).toContain('Subject: Reset your Bulwark password');
    expect(output).toContain('https://dev.example/reset-password?token=reset-token-42');
  });

  it('prints the newest first, up to --limit', async () => {
    for (const to of ['first@example.com', 'second@example.com', 'third@example.com']) await queueReset(to);
    await t.app.ctx.worker.drain();
    const { output, count } = await printed(2);
    expect(count).toBe(2);
    expect(output.indexOf('third@')).toBeLessThan(output.indexOf('second@'));
    expect(output).not.toContain('first@');
  });

  it('says so when the outbox is empty, and strips terminal escapes from bodies', async () => {
    expect((await printed()).output).toBe('The outbox is empty.\n');
    const invitation = {
      inviterName: 'Eve\x1b]0;pwned\x07\x1b[31m',
      groupName: 'G',
      groupId: 'g',
      invitationId: 'i',
    };
    await queueMail(db(), {
      to: 'bob@example.com',
      ...renderMail('group-invitation', invitation, t.config.publicUrl),
    });
    await t.app.ctx.worker.drain();
    const { output } = await printed();
    expect(output).toContain('Eve]0;pwned[31m invited you to join the group');
    expect(output).not.toContain('\x1b');
  });

  it('logs only the recipient and subject, never the body or its token', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const handler = mailSendHandler({ db: db(), transport: undefined, logger });
    const mailId = await queueReset('ada@example.com', 'Ada', 'reset-token-43');
    const job = { id: 'job', queue: 'mail.send', payload: { mailId }, attempts: 1, maxAttempts: 10 };
    expect(await handler(job, { progress: async () => undefined })).toEqual({ status: 'outbox' });

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 30,
      to: 'ada@example.com',
      subject: 'Reset your Bulwark password',
    });
    expect(lines[0]).not.toContain('reset-token-43');
    expect(lines[0]).not.toContain('reset-password');
    expect(lines[0]).not.toContain('Hello Ada');
  });
});
