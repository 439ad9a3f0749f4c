import { createTransport } from 'nodemailer';
import type { Config } from '../../core/config/config.ts';

/** One message as the transport sees it; the sender comes from the transport's configuration. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string | null;
}

/** Hands a message to a mail server; throws on refusal (an SMTP error carries `responseCode`). */
export interface MailTransport {
  send(message: OutgoingMail): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * An SMTP transport from `SMTP_URL`: `smtp://` (STARTTLS when offered) or `smtps://` (TLS from the
 * start), credentials in the URL, nodemailer options as query parameters (`tls.rejectUnauthorized=false`,
 * `requireTLS=true`, `pool=false`, …) and the sender as `from` (default `Bulwark <no-reply@PUBLIC_URL host>`).
 * @example createSmtpTransport('smtps://user:pass@mail.example.com?from=Accounts%20%3Cno-reply%40example.com%3E', publicUrl)
 */
export function createSmtpTransport(smtpUrl: string, publicUrl: string): MailTransport {
  const url = new URL(smtpUrl);
  const from = url.searchParams.get('from') ?? `Bulwark <no-reply@${new URL(publicUrl).hostname}>`;
  url.searchParams.delete('from');
  const transporter = createTransport(
    {
      url: url.toString(),
      pool: true,
      maxConnections: 4,
      // Bounded well under the job lease (5 min), so a hung server cannot make another instance take the
      // job over while this one may still deliver it: that would send the message twice.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
      // Bodies are strings we render; never let message content make nodemailer read a file or a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
    },
    { from },
  );
  return {
    async send(message) {
      const info = await transporter.sendMail({
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
      });
      return { messageId: info.messageId };
    },
    close: () => transporter.close(),
  };
}

/** The configured transport, or undefined when `SMTP_URL` is unset (mail then stays in the outbox). */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'publicUrl'>): MailTransport | undefined {
  return config.smtpUrl ? createSmtpTransport(config.smtpUrl, config.publicUrl) : undefined;
}
