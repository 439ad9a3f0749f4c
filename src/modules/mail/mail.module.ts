import { and, asc, eq, sql } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import { accounts } from '../../db/schema/accounts.ts';
import { mailMessages } from '../../db/schema/mail.ts';
import { mailSendHandler } from './mail.jobs.ts';
import { MAIL_SEND_QUEUE } from './mail.service.ts';
import { createMailer } from './mail.transport.ts';

/**
 * Mail: the `mail.send` job handler on the app's worker, with the SMTP transport from `SMTP_URL` (or none:
 * mail then stays in the outbox); mail to a deleted account's address is erased with it; the `mail`
 * section of the account export (never the bodies: an unsent one still holds a single-use link).
 * @example await app.register(mailModule({ ctx }))
 */
export const mailModule =
  ({ ctx }: { ctx: AppContext }): FastifyPluginAsync =>
  async (app) => {
    const { config, worker, database, logger, events, exports } = ctx;
    const transport = createMailer(config);
    if (!transport && config.env === 'production') {
      logger.warn('SMTP_URL is not set: mail stays in the outbox table and is not delivered');
    }
    worker.register(MAIL_SEND_QUEUE, mailSendHandler({ db: database.db, transport, logger }));
    // Mail to a deleted account's address holds its name and links: erase it with the account.
    events.on('account.deleted', async (tx, { email }) => {
      if (email) await tx.delete(mailMessages).where(sql`lower(${mailMessages.to}) = lower(${email})`);
    });
    exports.register('mail', (db, id) =>
      db
        .select({
          id: mailMessages.id,
          to: mailMessages.to,
          subject: mailMessages.subject,
          template: mailMessages.template,
          status: mailMessages.status,
          created_at: mailMessages.createdAt,
          sent_at: mailMessages.sentAt,
        })
        .from(mailMessages)
        .innerJoin(
          accounts,
          and(eq(accounts.id, id), sql`lower(${mailMessages.to}) = lower(${accounts.email})`),
        )
        .orderBy(asc(mailMessages.createdAt), asc(mailMessages.id)),
    );
    app.addHook('onClose', async () => {
      // Let a delivery in flight finish before its pooled connection goes away (stop() is idempotent).
      await worker.stop();
      transport?.close();
    });
  };
