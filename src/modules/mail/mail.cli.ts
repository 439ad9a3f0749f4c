import type { Database } from '../../core/db/database.ts';
import { mailRepository, type MailMessage } from './mail.repository.ts';

export interface PrintOutboxOptions {
  /** How many messages to print, newest first (default 20). */
  readonly limit?: number;
}

/**
 * `bulwark mail outbox`: prints the messages kept in the outbox (no SMTP configured), newest first, with
 * their text body, which is how a developer follows a verification or reset link. Returns how many.
 * @example await printOutbox(database, process.stdout, { limit: 5 })
 */
export async function printOutbox(
  database: Database,
  out: { write(chunk: string): unknown },
  options: PrintOutboxOptions = {},
): Promise<number> {
  const messages = await mailRepository.listOutbox(database.db, options.limit ?? 20);
  if (messages.length === 0) {
    out.write('The outbox is empty.\n');
    return 0;
  }
  out.write(`${messages.length} message(s) in the outbox, newest first:\n`);
  for (const message of messages) out.write(formatMessage(message));
  return messages.length;
}

function formatMessage(message: MailMessage): string {
  return [
    '',
    `──── ${message.createdAt.toISOString()}  ${message.template}  ${message.id}`,
    `To:      ${printable(message.to)}`,
    `Subject: ${printable(message.subject)}`,
    '',
    printable(message.text).trimEnd(),
    '',
  ].join('\n');
}

// Bodies quote names users chose; an escape sequence in one must not drive the developer's terminal.
// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const printable = (value: string) => value.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
