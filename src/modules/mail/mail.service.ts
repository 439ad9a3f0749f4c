import type { DbOrTx } from '../../core/db/database.ts';
import { enqueue } from '../../core/jobs/queue.ts';
import { mailRepository } from './mail.repository.ts';
import type { RenderedMail } from './mail.templates.ts';

/** The job queue that delivers `mail_messages` rows. */
export const MAIL_SEND_QUEUE = 'mail.send';

/** Attempts before a message is marked failed: with the queue's backoff, about half an hour of retries. */
export const MAIL_MAX_ATTEMPTS = 10;

/** What a `mail.send` job carries: the row id only, so no body or token reaches the jobs table. */
export interface MailSendPayload {
  readonly mailId: string;
}

/** A rendered message and its recipient. */
export interface MailToQueue extends RenderedMail {
  readonly to: string;
}

/**
 * Writes the message to the outbox and enqueues its delivery in the caller's transaction, so the mail
 * exists exactly when the change that caused it commits. Returns the message id.
 * @example await queueMail(tx, { to: email, ...renderMail('verify-email', data, config.publicUrl) })
 */
export async function queueMail(tx: DbOrTx, message: MailToQueue): Promise<string> {
  const mailId = await mailRepository.insert(tx, {
    to: message.to,
    template: message.template,
    subject: message.subject,
    text: message.text,
    html: message.html,
  });
  const payload: MailSendPayload = { mailId };
  await enqueue(tx, MAIL_SEND_QUEUE, payload, { singletonKey: mailId, maxAttempts: MAIL_MAX_ATTEMPTS });
  return mailId;
}
