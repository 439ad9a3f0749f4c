import type { Tx } from './db/database.ts';
import { runWrites, type WritePart } from './db/writes.ts';

/** Who made a change, for the audit chain and webhooks: null fields for the system (jobs, the CLI). */
export interface Actor {
  readonly accountId: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
}

/** A certificate as events carry it: plain JSON, never a private key. */
export interface CertificateEventData {
  readonly id: string;
  readonly ownerId: string;
  readonly serial: string;
  readonly commonName: string;
  readonly sans: readonly string[];
  readonly profile: string;
  readonly status: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly renewedFrom?: string | null;
  readonly revocationReason?: string | null;
}

/** Domain events and their payloads. Modules add theirs here. */
export interface DomainEvents {
  'account.registered': { accountId: string; email: string; name: string | null };
  /** `email` is the address the account had, so modules can erase what they keyed by it. */
  'account.deleted': { accountId: string; email: string | null };
  'account.password_changed': { accountId: string; email: string };
  /** An admin deactivated the account: its sessions end in the same transaction. */
  'account.deactivated': { accountId: string };
  /**
   * The account asked, with its password, to move to `newEmail`; it keeps `email` until the new address
   * confirms (recovery mails the link, and a notice to `email`). A handler may refuse (409, 429).
   */
  'account.email_change_requested': {
    accountId: string;
    email: string;
    name: string | null;
    newEmail: string;
  };
  /** The account's email is now `newEmail`: confirmed by the new address, or set by an admin. */
  'account.email_changed': {
    accountId: string;
    previousEmail: string;
    newEmail: string;
    name: string | null;
    byAdmin: boolean;
  };
  /** An OpenID Connect identity was linked to the account. */
  'account.linked': { accountId: string; provider: string; actor: Actor };
  'certificate.issued': { certificate: CertificateEventData; actor: Actor };
  'certificate.renewed': { certificate: CertificateEventData; actor: Actor };
  'certificate.revoked': { certificate: CertificateEventData; actor: Actor };
  'certificate.activated': { certificate: CertificateEventData; actor: Actor };
  'certificate.deactivated': { certificate: CertificateEventData; actor: Actor };
  /** Sent once per threshold (30, 7, 1 days before `notAfter`) by the daily expiry job. */
  'certificate.expiring': { certificate: CertificateEventData; daysLeft: number; actor: Actor };
  /** CA and master-key operations (init, import, rotate-master, …), for the audit chain. */
  'ca.operation': { action: string; target: string; details: Record<string, unknown>; actor: Actor };
}

export type EventName = keyof DomainEvents;
type Handler<E extends EventName> = (tx: Tx, payload: DomainEvents[E]) => Promise<void>;
/** A handler that is one write, or none (undefined) for this payload. */
type Writer<E extends EventName> = (payload: DomainEvents[E]) => WritePart | undefined;

/**
 * Synchronous in-transaction hooks: a handler runs inside the transaction that made the change, so what
 * it writes (a mail, a webhook delivery, a job) commits or rolls back with the change (outbox pattern).
 * @example events.on('account.registered', (tx, e) => queueMail(tx, …))
 */
export class DomainEventHooks {
  private readonly handlers = new Map<EventName, Handler<never>[]>();
  private readonly writers = new Map<EventName, Writer<never>[]>();

  on<E extends EventName>(name: E, handler: Handler<E>): void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
  }

  /**
   * A handler that is one write (data-modifying CTEs, see core/db/writes.ts): `emit` runs it in the
   * transaction like any handler, and `writesFor` lets a hot path fold it into the change's own statement.
   */
  onWrite<E extends EventName>(name: E, writer: Writer<E>): void {
    this.writers.set(name, [...(this.writers.get(name) ?? []), writer]);
  }

  async emit<E extends EventName>(tx: Tx, name: E, payload: DomainEvents[E]): Promise<void> {
    for (const handler of this.handlers.get(name) ?? []) await (handler as Handler<E>)(tx, payload);
    for (const writer of this.writers.get(name) ?? []) {
      const part = (writer as Writer<E>)(payload);
      if (part) await runWrites(tx, [part]);
    }
  }

  /**
   * The writes the event makes, for the caller to run in its own statement instead of `emit`; undefined
   * when some handler of the event is not a plain write (then the caller needs a transaction and `emit`).
   */
  writesFor<E extends EventName>(name: E, payload: DomainEvents[E]): WritePart[] | undefined {
    if ((this.handlers.get(name) ?? []).length > 0) return undefined;
    const parts: WritePart[] = [];
    for (const writer of this.writers.get(name) ?? []) {
      const part = (writer as Writer<E>)(payload);
      if (part) parts.push(part);
    }
    return parts;
  }
}
