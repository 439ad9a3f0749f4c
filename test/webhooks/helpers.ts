import type { CertificateEventData } from '../../src/core/events.ts';
import type { TestApp } from '../helpers/app.ts';

/** A certificate as the CA would describe it in an event. */
export function certificateData(ownerId: string, overrides: Partial<CertificateEventData> = {}) {
  return {
    id: crypto.randomUUID(),
    ownerId,
    serial: 'a1b2c3',
    commonName: 'www.example.com',
    sans: ['www.example.com'],
    profile: 'tls-server',
    status: 'active',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    ...overrides,
  } satisfies CertificateEventData;
}

export const SYSTEM = { accountId: null, requestId: null, ip: null };

/** Emits `certificate.issued` in a transaction of its own, as the CA does when it issues. */
export async function emitIssued(t: TestApp, certificate: CertificateEventData): Promise<void> {
  await t.app.ctx.database.db.transaction((tx) =>
    t.app.ctx.events.emit(tx, 'certificate.issued', { certificate, actor: SYSTEM }),
  );
}
