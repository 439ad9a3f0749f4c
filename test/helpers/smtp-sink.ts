import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** One message the sink accepted, as a mail client would see it. */
export interface SinkMessage {
  /** The From header, e.g. `Bulwark <no-reply@example.com>`. */
  readonly from: string;
  /** The envelope recipients (RCPT TO). */
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string | undefined;
  /** The Message-ID header, as the sender reported it. */
  readonly messageId: string | undefined;
  /** The user the client authenticated as, if it did. */
  readonly user: string | undefined;
}

export interface SmtpSinkOptions {
  /** Implicit TLS (`smtps://`) with smtp-server's built-in self-signed certificate. */
  readonly secure?: boolean;
}

/**
 * A real SMTP server on 127.0.0.1 that accepts any message (and any credentials), parses it and keeps it.
 * @example const sink = createSmtpSink(); const { url } = await sink.start(); … await sink.waitForMessages(1)
 */
export function createSmtpSink(options: SmtpSinkOptions = {}) {
  const messages: SinkMessage[] = [];
  const waiters = new Set<() => void>();
  let rejections: { remaining: number; code: number; text: string } = { remaining: 0, code: 451, text: '' };
  let rejected = 0;

  const server = new SMTPServer({
    secure: options.secure ?? false,
    // Without TLS the client must not be offered STARTTLS with a certificate it cannot verify.
    ...(options.secure ? {} : { hideSTARTTLS: true }),
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 1000,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onData: (stream, session, callback) => {
      receive(stream, session.envelope.rcptTo, session.user).then(
        (error) => callback(error),
        (error: Error) => callback(error),
      );
    },
  });

  async function receive(
    stream: SMTPServerDataStream,
    rcptTo: readonly { address: string }[],
    user: unknown,
  ): Promise<Error | null> {
    const parsed = await simpleParser(stream);
    if (rejections.remaining > 0) {
      rejections.remaining--;
      rejected++;
      return Object.assign(new Error(rejections.text), { responseCode: rejections.code });
    }
    messages.push({
      from: (parsed.from?.value ?? [])
        .map((a) => (a.name ? `${a.name} <${a.address}>` : a.address))
        .join(', '),
      to: rcptTo.map((r) => r.address),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: parsed.html === false ? undefined : parsed.html,
      messageId: parsed.messageId,
      user: typeof user === 'string' ? user : undefined,
    });
    for (const wake of waiters) wake();
    return null;
  }

  return {
    /** Every message accepted so far, in arrival order. */
    messages,
    /** How many messages were refused by `rejectNext`. */
    get rejected() {
      return rejected;
    },

    /** Listens on an ephemeral loopback port; the URL is ready for `SMTP_URL`. */
    async start(): Promise<{ port: number; url: string }> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const { port } = server.server.address() as AddressInfo;
      const url = options.secure
        ? `smtps://127.0.0.1:${port}?tls.rejectUnauthorized=false`
        : `smtp://127.0.0.1:${port}`;
      return { port, url };
    },

    /** Refuses the next `count` messages after reading them (451 by default: a temporary failure). */
    rejectNext(count: number, code = 451, text = 'Try again later'): void {
      rejections = { remaining: count, code, text };
    },

    /** Resolves with the messages once at least `count` arrived; rejects after `timeoutMs`. */
    async waitForMessages(count: number, timeoutMs = 5000): Promise<SinkMessage[]> {
      if (messages.length >= count) return messages;
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (messages.length < count) return;
          cleanUp();
          resolve(messages);
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(
            new Error(`SMTP sink: expected ${count} message(s), got ${messages.length} in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        const cleanUp = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },

    /** Forgets the messages and pending rejections (between tests). */
    clear(): void {
      messages.length = 0;
      rejections = { ...rejections, remaining: 0 };
      rejected = 0;
    },

    async stop(): Promise<void> {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type SmtpSink = ReturnType<typeof createSmtpSink>;
