import type { Actor, CertificateEventData, DomainEventHooks } from '../../core/events.ts';
import { append, appendPart } from './audit.repository.ts';

/** Certificate changes the chain records (an expiry warning is a notice, not a change). */
const CERTIFICATE_CHANGES = [
  'certificate.issued',
  'certificate.renewed',
  'certificate.deactivated',
  'certificate.activated',
  'certificate.revoked',
] as const;

const who = (actor: Actor) => ({ actorId: actor.accountId, requestId: actor.requestId, ip: actor.ip });

function certificateDetails(c: CertificateEventData): Record<string, unknown> {
  return {
    serial_number: c.serial,
    owner_id: c.ownerId,
    common_name: c.commonName,
    status: c.status,
    not_after: c.notAfter,
    ...(c.renewedFrom ? { renewed_from: c.renewedFrom } : {}),
    ...(c.revocationReason ? { revocation_reason: c.revocationReason } : {}),
  };
}

/**
 * Records every certificate change and every `ca.operation` (CA init/import, master-key rotation, …) in the
 * audit chain, inside the transaction of the change: the row exists exactly when the change does.
 * @example registerAuditListeners(ctx.events)
 */
export function registerAuditListeners(events: DomainEventHooks): void {
  for (const action of CERTIFICATE_CHANGES) {
    // A plain write: issuance folds it into the statement that inserts the certificate.
    events.onWrite(action, ({ certificate, actor }) =>
      appendPart({
        action,
        target: `certificate:${certificate.id}`,
        details: certificateDetails(certificate),
        ...who(actor),
      }),
    );
  }
  events.on('ca.operation', async (tx, { action, target, details, actor }) => {
    await append(tx, { action, target, details, ...who(actor) });
  });
}
