import type { Logger } from 'pino';
import type { Db } from '../../core/db/database.ts';
import type { Job, JobHandler } from '../../core/jobs/worker.ts';
import { mailRepository } from './mail.repository.ts';
import type { MailSendPayload } from './mail.service.ts';
import type { MailTransport } from './mail.transport.ts';

export interface MailJobDeps {
  readonly db: Db;
  /** Undefined when no SMTP is configured: messages then stay in the outbox. */
  readonly transport: MailTransport | undefined;
  readonly logger: Logger;
}

export type MailSendResult =
  | { readonly status: 'sent'; readonly messageId: string }
  | { readonly status: 'outbox' | 'failed' }
  | { readonly status: 'skipped'; readonly reason: 'missing' | 'already sent' };

/**
 * The `mail.send` handler. Idempotent: a message already `sent` is never sent again, whichever job or
 * instance runs it. A temporary SMTP failure throws so the queue retries with backoff; a permanent one
 * (5xx) marks the message failed at once, since retrying would only be refused again.
 */
export function mailSendHandler(deps: MailJobDeps): JobHandler<MailSendPayload> {
  return async (job): Promise<MailSendResult> => {
    const message = await mailRepository.findById(deps.db, job.payload.mailId);
    if (!message) return { status: 'skipped', reason: 'missing' };
    if (message.status === 'sent') return { status: 'skipped', reason: 'already sent' };

    if (!deps.transport) {
      await mailRepository.markOutbox(deps.db, message.id);
      logOutboxMail(deps.logger, message);
      return { status: 'outbox' };
    }

    let messageId: string;
    try {
      ({ messageId } = await deps.transport.send(message));
    } catch (error) {
      return failed(deps, job, message.id, error);
    }
    // Outside the try: if this update fails the job is retried and the mail may go twice. Nothing can
    // close that window short of a transaction across SMTP; keep it to one statement.
    await mailRepository.markSent(deps.db, message.id, messageId);
    deps.logger.debug({ mailId: message.id, template: message.template }, 'mail sent');
    return { status: 'sent', messageId };
  };
}

async function failed(
  deps: MailJobDeps,
  job: Job<MailSendPayload>,
  mailId: string,
  error: unknown,
): Promise<MailSendResult> {
  const permanent = isPermanent(error);
  const final = permanent || job.attempts >= job.maxAttempts;
  const reason = error instanceof Error ? error.message : String(error);
  await mailRepository.recordFailure(deps.db, mailId, reason, final);
  if (!permanent) throw error;
  deps.logger.warn({ mailId, err: reason }, 'mail refused permanently; not retrying');
  return { status: 'failed' };
}

/** A 5xx reply (unknown mailbox, policy refusal, bad credentials) will not change on a retry. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * Logs a message kept in the outbox by recipient and subject only: the body holds a single-use link,
 * which must never reach a log.
 */
export function logOutboxMail(logger: Logger, message: { to: string; subject: string }): void {
  logger.info(
    { to: message.to, subject: message.subject },
    'mail kept in the outbox (no SMTP_URL); `bulwark mail outbox` prints it',
  );
}
