import { and, desc, eq, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { newId } from '../../core/ids.ts';
import { mailMessages } from '../../db/schema/index.ts';

export type MailMessage = typeof mailMessages.$inferSelect;

export interface NewMailMessage {
  readonly to: string;
  readonly template: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string | null;
}

// A sent message's body held a single-use link; account_tokens keeps only hashes, so the outbox must not
// keep the plain token once it has done its job.
const SENT_BODY = '(body removed after delivery)';

/** Rows of `mail_messages`; every method takes the database or the caller's transaction. */
export const mailRepository = {
  async insert(db: DbOrTx, message: NewMailMessage): Promise<string> {
    const id = newId();
    await db.insert(mailMessages).values({ id, ...message, html: message.html ?? null, status: 'queued' });
    return id;
  },

  async findById(db: DbOrTx, id: string): Promise<MailMessage | undefined> {
    return (await db.select().from(mailMessages).where(eq(mailMessages.id, id)))[0];
  },

  /** Marks a message sent, unless another run already did (then returns false). */
  async markSent(db: DbOrTx, id: string, messageId: string): Promise<boolean> {
    const rows = await db
      .update(mailMessages)
      .set({ status: 'sent', messageId, sentAt: new Date(), lastError: null, text: SENT_BODY, html: null })
      .where(and(eq(mailMessages.id, id), ne(mailMessages.status, 'sent')))
      .returning({ id: mailMessages.id });
    return rows.length > 0;
  },

  /** Records a failed attempt: `queued` while the queue will retry, `failed` once it will not. */
  async recordFailure(db: DbOrTx, id: string, error: string, final: boolean): Promise<void> {
    await db
      .update(mailMessages)
      .set({ status: final ? 'failed' : 'queued', lastError: error.slice(0, 2000) })
      .where(and(eq(mailMessages.id, id), ne(mailMessages.status, 'sent')));
  },

  async markOutbox(db: DbOrTx, id: string): Promise<void> {
    await db
      .update(mailMessages)
      .set({ status: 'outbox' })
      .where(and(eq(mailMessages.id, id), ne(mailMessages.status, 'sent')));
  },

  /** The messages kept in the outbox, newest first. */
  async listOutbox(db: DbOrTx, limit: number): Promise<MailMessage[]> {
    return db
      .select()
      .from(mailMessages)
      .where(eq(mailMessages.status, 'outbox'))
      .orderBy(desc(mailMessages.createdAt), desc(mailMessages.id))
      .limit(limit);
  },
};
