import type { SQL } from 'drizzle-orm';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { createSmtpSink, type SinkMessage } from '../helpers/smtp-sink.ts';

export const PUBLIC_URL = 'https://bulwark.example';

/**
 * Fast hashing; the throttles stay on (they are under test), so tests vary their client address — but
 * every sign-up comes from one address, so registration's own limit is out of the way.
 */
const ENV = { PUBLIC_URL, ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', REGISTER_THROTTLE: '10000/1m' };

export interface RecoveryTestApp extends TestApp {
  /** Runs queued jobs until none is due (a forgot job queues its mail job), then the sink has the mail. */
  deliver(): Promise<void>;
  /** Every message the SMTP sink accepted for this address (the real mail, parsed). */
  mailsTo(email: string): SinkMessage[];
  /** Delivers, then the token from the link of the one new mail of this kind to the address. */
  tokenFromMail(email: string, kind: 'verify-email' | 'reset-password'): Promise<string>;
  /** Runs SQL (to age tokens in tests). */
  exec(query: SQL): Promise<unknown>;
}

/** The app with a real SMTP server behind SMTP_URL; each test file gets its own. */
export async function buildRecoveryApp(env: Record<string, string> = {}): Promise<RecoveryTestApp> {
  const sink = createSmtpSink();
  const { url } = await sink.start();
  const t = await buildTestApp({ ...ENV, SMTP_URL: url, ...env });
  const closeApp = t.close.bind(t);
  const seen = new Set<SinkMessage>();
  const mailsTo = (email: string) =>
    sink.messages.filter((m) => m.to.some((to) => to.toLowerCase() === email.toLowerCase()));
  const deliver = async () => {
    for (let round = 0; round < 10; round++) if ((await t.app.ctx.worker.drain()) === 0) return;
  };
  return Object.assign(t, {
    deliver,
    mailsTo,
    async tokenFromMail(email: string, kind: 'verify-email' | 'reset-password') {
      await deliver();
      const fresh = mailsTo(email).filter((m) => !seen.has(m) && m.text.includes(`${PUBLIC_URL}/${kind}?`));
      if (fresh.length !== 1)
        throw new Error(`expected one new ${kind} mail to ${email}, got ${fresh.length}`);
      seen.add(fresh[0]!);
      return tokenInLink(fresh[0]!.text, kind);
    },
    exec: (query: SQL) => t.db.database.db.execute(query),
    async close() {
      await closeApp();
      await sink.stop();
    },
  });
}

/** The token of the link a mail client would open. */
export function tokenInLink(text: string, kind: string): string {
  const link = text.split(/\s+/).find((word) => word.startsWith(`${PUBLIC_URL}/${kind}?`));
  const token = link && new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no ${kind} link in:\n${text}`);
  return token;
}

/** A distinct client address per test, so the per-address limit of one test leaves the next alone. */
let address = 0;
export const nextAddress = (): string => `10.0.${Math.floor(++address / 250)}.${(address % 250) + 1}`;
