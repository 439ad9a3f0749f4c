import type { Tx } from './db/database.ts';

/** Domain events and their payloads. Modules add theirs here. */
export interface DomainEvents {
  'account.registered': { accountId: string; email: string; name: string | null };
  /** `email` is the address the account had, so modules can erase what they keyed by it. */
  'account.deleted': { accountId: string; email: string | null };
  'account.password_changed': { accountId: string; email: string };
}

export type EventName = keyof DomainEvents;
type Handler<E extends EventName> = (tx: Tx, payload: DomainEvents[E]) => Promise<void>;

/**
 * Synchronous in-transaction hooks: a handler runs inside the transaction that made the change, so what
 * it writes (a mail, a webhook delivery, a job) commits or rolls back with the change (outbox pattern).
 * @example events.on('account.registered', (tx, e) => queueMail(tx, …))
 */
export class DomainEventHooks {
  private readonly handlers = new Map<EventName, Handler<never>[]>();

  on<E extends EventName>(name: E, handler: Handler<E>): void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
  }

  async emit<E extends EventName>(tx: Tx, name: E, payload: DomainEvents[E]): Promise<void> {
    for (const handler of this.handlers.get(name) ?? []) await (handler as Handler<E>)(tx, payload);
  }
}
