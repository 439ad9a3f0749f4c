import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpSink } from '../../../test/helpers/smtp-sink.ts';
import { createMailer, createSmtpTransport } from './mail.transport.ts';

const sink = createSmtpSink({ secure: true });
let port: number;

beforeAll(async () => {
  ({ port } = await sink.start());
});
afterAll(() => sink.stop());

const message = { to: 'ada@example.com', subject: 'Hi', text: 'plain', html: '<p>rich</p>' };

describe('createSmtpTransport', () => {
  it('speaks smtps:// with TLS options, credentials and the sender from the URL', async () => {
    const transport = createSmtpTransport(
      `smtps://mailer:p%40ss@127.0.0.1:${port}?tls.rejectUnauthorized=false&from=Accounts%20%3Cacc%40example.org%3E`,
      'https://bulwark.example',
    );
    try {
      const { messageId } = await transport.send(message);
      const [received] = await sink.waitForMessages(1);
      expect(received).toMatchObject({
        from: 'Accounts <acc@example.org>',
        to: ['ada@example.com'],
        subject: 'Hi',
        text: 'plain',
        html: '<p>rich</p>',
        user: 'mailer',
        messageId,
      });
    } finally {
      transport.close();
    }
  });

  it('verifies the server certificate by default', async () => {
    const transport = createSmtpTransport(`smtps://127.0.0.1:${port}`, 'https://bulwark.example');
    try {
      await expect(transport.send(message)).rejects.toThrow(/certificate/i);
    } finally {
      transport.close();
    }
  });
});

describe('createMailer', () => {
  it('is undefined without SMTP_URL, so mail stays in the outbox', () => {
    expect(createMailer({ smtpUrl: undefined, publicUrl: 'http://localhost:3000' })).toBeUndefined();
  });
});
