import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { mailMessages } from '../../db/schema/mail.ts';
import { mailSendHandler } from './mail.jobs.ts';
import { MAIL_SEND_QUEUE } from './mail.service.ts';
import { createMailer } from './mail.transport.ts';

/**
 * Registers the `mail.send` job handler on the app's worker, with the SMTP transport from `SMTP_URL`
 * (or none: mail then stays in the outbox). Call before the app is ready.
 * @example registerMail(app) // in buildApp's modules section, or in a test's `extend`
 */
export function registerMail(app: FastifyInstance): void {
  const { config, worker, database, logger } = app.ctx;
  const transport = createMailer(config);
  if (!transport && config.env === 'production') {
    logger.warn('SMTP_URL is not set: mail stays in the outbox table and is not delivered');
  }
  worker.register(MAIL_SEND_QUEUE, mailSendHandler({ db: database.db, transport, logger }));
  // Mail to a deleted account's address holds its name and links: erase it with the account.
  app.ctx.events.on('account.deleted', async (tx, { email }) => {
    if (email) await tx.delete(mailMessages).where(sql`lower(${mailMessages.to}) = lower(${email})`);
  });
  app.addHook('onClose', async () => {
    // Let a delivery in flight finish before its pooled connection goes away (stop() is idempotent).
    await worker.stop();
    transport?.close();
  });
}
