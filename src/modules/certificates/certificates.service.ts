import { X509Certificate } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../core/context.ts';
import type { Tx } from '../../core/db/database.ts';
import { isUniqueViolation } from '../../core/db/errors.ts';
import { runWrites } from '../../core/db/writes.ts';
import { AppError, forbidden, notFound, validationFailed } from '../../core/errors/app-error.ts';
import type { Actor } from '../../core/events.ts';
import { newId } from '../../core/ids.ts';
import { accounts } from '../../db/schema/index.ts';
import { actsAsAdmin, canActFor, type Principal } from '../auth/index.ts';
import type { CertificateAuthority } from './ca.authority.ts';
import * as repo from './certificates.repository.ts';
import type { Static } from 'typebox';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import type {
  CertificateListQuery,
  CreateCertificateInput,
  UpdateCertificateInput,
} from './certificates.schemas.ts';
import { parseSan } from './names.ts';
import { statusOf, toCertificateView, toEventData } from './certificates.view.ts';
import { parseCsr } from './csr.ts';
import { checkNames, checkSubject, checkValidity, signLeaf, type IssueSpec } from './issuance.ts';
import { generateKey, privateKeyPem } from './keys.ts';
import { LeafSigner } from './leaf.ts';
import { spkiOf, type SubjectFields } from './x509.encoder.ts';

/**
 * Issuing and managing certificates. Every change runs in one transaction with its domain event (webhooks and
 * the audit chain write their rows there), and status changes mark the CRL stale in the same transaction.
 */
export class CertificatesService {
  private signer: LeafSigner;
  private readonly ctx: AppContext;
  private readonly onStatusChange: () => void;
  authority: CertificateAuthority;

  constructor(ctx: AppContext, authority: CertificateAuthority, onStatusChange: () => void) {
    this.ctx = ctx;
    this.authority = authority;
    this.signer = new LeafSigner(authority.issuer, ctx.config.publicUrl);
    this.onStatusChange = onStatusChange;
  }

  private get db() {
    return this.ctx.database.db;
  }

  /** `POST /v1/certificates`: a generated key (returned once) or a client's CSR. */
  async issue(principal: Principal, body: CreateCertificateInput, actor: Actor) {
    const ownerId = body.owner_id ?? principal.account.id;
    if (ownerId !== principal.account.id && !actsAsAdmin(principal))
      throw forbidden('Only admins issue certificates for another account.');
    const { config } = this.ctx;
    const profile = body.profile ?? 'tls-server';
    const validityDays = checkValidity(
      body.validity_days,
      config.certDefaultValidityDays,
      config.certMaxValidityDays,
    );
    let spec: IssueSpec;
    let keyToReturn: Promise<string> | undefined;
    if (body.csr_pem !== undefined) {
      const extra = (['subject', 'key_algorithm', 'passphrase'] as const).filter(
        (f) => body[f] !== undefined,
      );
      if (extra.length > 0)
        throw validationFailed(
          extra.map((f) => ({ path: `/body/${f}`, message: 'is not allowed with csr_pem' })),
        );
      const csr = await parseCsr(body.csr_pem);
      const sans = body.sans ?? csr.sans;
      const subject = { ...csr.subject, common_name: csr.subject.common_name ?? sans[0] ?? '' };
      const errors = checkSubject(subject, '/body/csr_pem/subject');
      if (subject.common_name === '')
        errors.push({ path: '/body/csr_pem', message: 'names no common name and no SAN' });
      if (errors.length > 0) throw validationFailed(errors);
      spec = {
        subject,
        sans: checkNames(subject, sans, profile, body.sans ? '/body/sans' : '/body/csr_pem/sans'),
        spki: csr.spki,
        keyAlgorithm: csr.keyAlgorithm,
        profile,
        validityDays,
      };
    } else {
      if (!body.subject)
        throw validationFailed([{ path: '/body/subject', message: 'is required without csr_pem' }]);
      const subject = body.subject as SubjectFields;
      const sans = checkNames(subject, body.sans ?? [], profile, '/body/sans');
      const keyAlgorithm = body.key_algorithm ?? 'ec-p256';
      const pair = await generateKey(keyAlgorithm);
      keyToReturn = privateKeyPem(pair.pkcs8, body.passphrase);
      spec = { subject, sans, spki: pair.spki, keyAlgorithm, profile, validityDays };
    }
    if (ownerId !== principal.account.id) await this.assertOwnerExists(ownerId);

    const row = await this.insertIssued(spec, { id: newId(), ownerId, labels: body.labels ?? {} }, actor);
    const privateKey = keyToReturn ? await keyToReturn : undefined;
    return {
      ...toCertificateView(row, this.authority.chainPem),
      ...(privateKey ? { private_key_pem: privateKey } : {}),
    };
  }

  private async assertOwnerExists(ownerId: string): Promise<void> {
    const [owner] = await this.db
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.id, ownerId), isNull(accounts.deletedAt)));
    if (!owner) throw validationFailed([{ path: '/body/owner_id', message: 'names no account' }]);
  }

  /**
   * Signs and stores a new certificate with its `certificate.issued` event. When every handler of the event
   * is a plain write (the audit row, the webhook deliveries), the row and theirs go in one statement: one
   * round trip, atomic without a transaction. Otherwise a transaction and `emit`.
   */
  private async insertIssued(
    spec: IssueSpec,
    ids: Parameters<typeof signLeaf>[3],
    actor: Actor,
  ): Promise<repo.CertificateRow> {
    for (let attempt = 0; ; attempt++) {
      const values = signLeaf(this.authority, this.signer, spec, ids);
      const row = insertedRow(values);
      const event = { certificate: toEventData(row), actor };
      const writes = this.ctx.events.writesFor('certificate.issued', event);
      try {
        if (writes) await runWrites(this.db, [repo.insertPart(values), ...writes]);
        else
          await this.db.transaction(async (tx) => {
            await repo.insert(tx, values);
            await this.ctx.events.emit(tx, 'certificate.issued', event);
          });
        return row;
      } catch (error) {
        if (attempt < 2 && isUniqueViolation(error, 'certificates_serial_idx')) continue;
        throw error;
      }
    }
  }

  /** Signs and stores; a serial collision (unique index) is retried with a fresh serial. */
  private async insertSigned(
    spec: IssueSpec,
    ids: Parameters<typeof signLeaf>[3],
    after: (tx: Tx, row: repo.CertificateRow) => Promise<void>,
    outer?: Tx,
  ): Promise<repo.CertificateRow> {
    for (let attempt = 0; ; attempt++) {
      const values = signLeaf(this.authority, this.signer, spec, ids);
      const write = async (tx: Tx) => {
        await repo.insert(tx, values);
        const row = insertedRow(values);
        await after(tx, row);
        return row;
      };
      try {
        return outer ? await outer.transaction(write) : await this.db.transaction(write);
      } catch (error) {
        if (attempt < 2 && isUniqueViolation(error, 'certificates_serial_idx')) continue;
        throw error;
      }
    }
  }

  async get(principal: Principal, id: string) {
    const row = await repo.findById(this.db, id);
    if (!row || !canActFor(principal, row.ownerId)) throw notFound('certificate');
    return toCertificateView(row, this.authority.chainPem);
  }

  /** Own certificates (admins: everyone's, or one account's with `owner_id`), newest first. */
  async list(principal: Principal, query: Static<typeof CertificateListQuery>) {
    const admin = actsAsAdmin(principal);
    if (query.owner_id && query.owner_id !== principal.account.id && !admin)
      throw forbidden('Only admins list another account’s certificates.');
    const limit = query.limit ?? 20;
    const rows = await repo.list(this.db, {
      ownerId: admin ? query.owner_id : principal.account.id,
      status: query.status,
      expiringBefore: query.expiring_before ? new Date(query.expiring_before) : undefined,
      commonName: query.common_name,
      san: query.san ? (parseSan(query.san)?.value ?? query.san) : undefined,
      before: decodeCursor(query.cursor),
      limit: limit + 1,
      now: new Date(),
    });
    const { page, next } = pageOf(rows, limit);
    return { items: page.map((row) => toCertificateView(row, this.authority.chainPem)), next_cursor: next };
  }

  /** `PATCH`: renew, deactivate (hold), activate (release), revoke, labels. */
  async update(principal: Principal, id: string, body: UpdateCertificateInput, actor: Actor) {
    if (body.reason !== undefined && body.action !== 'revoke')
      throw validationFailed([{ path: '/body/reason', message: 'goes with action "revoke" only' }]);
    if (body.validity_days !== undefined && body.action !== 'renew')
      throw validationFailed([{ path: '/body/validity_days', message: 'goes with action "renew" only' }]);
    const { config } = this.ctx;
    const validityDays =
      body.action === 'renew'
        ? checkValidity(body.validity_days, config.certDefaultValidityDays, config.certMaxValidityDays)
        : 0;
    let statusChanged = false;
    const result = await this.db.transaction(async (tx) => {
      let row = await repo.findForUpdate(tx, id);
      if (!row || !canActFor(principal, row.ownerId)) throw notFound('certificate');
      if (body.labels !== undefined) row = await repo.update(tx, id, { labels: body.labels });
      const status = statusOf(row);
      const refuse = (what: string) =>
        new AppError('CONFLICT', `The certificate is ${status}; it cannot be ${what}.`, {
          errors: [{ path: '/status', message: status }],
        });
      const now = new Date();
      switch (body.action) {
        case undefined:
          return row;
        case 'revoke': {
          if (row.status === 'revoked') throw refuse('revoked again');
          row = await repo.update(tx, id, {
            status: 'revoked',
            revocationReason: body.reason ?? 'unspecified',
            revokedAt: now,
          });
          statusChanged = true;
          await repo.bumpRevision(tx, row.issuerId);
          await this.ctx.events.emit(tx, 'certificate.revoked', { certificate: toEventData(row), actor });
          return row;
        }
        case 'deactivate': {
          if (status !== 'active') throw refuse('put on hold');
          row = await repo.update(tx, id, {
            status: 'on_hold',
            revocationReason: 'certificateHold',
            revokedAt: now,
          });
          statusChanged = true;
          await repo.bumpRevision(tx, row.issuerId);
          await this.ctx.events.emit(tx, 'certificate.deactivated', { certificate: toEventData(row), actor });
          return row;
        }
        case 'activate': {
          if (status !== 'on_hold') throw refuse('activated');
          row = await repo.update(tx, id, { status: 'active', revocationReason: null, revokedAt: null });
          statusChanged = true;
          await repo.bumpRevision(tx, row.issuerId);
          await this.ctx.events.emit(tx, 'certificate.activated', { certificate: toEventData(row), actor });
          return row;
        }
        case 'renew': {
          if (status !== 'active' && status !== 'expired') throw refuse('renewed');
          if (row.renewedBy)
            throw new AppError('CONFLICT', `The certificate was already renewed by ${row.renewedBy}.`, {
              errors: [{ path: '/renewed_by', message: row.renewedBy }],
            });
          return this.renew(tx, row, validityDays, actor);
        }
      }
    });
    if (statusChanged) this.onStatusChange();
    return toCertificateView(result, this.authority.chainPem);
  }

  /** The successor: same public key, subject, SANs and profile; linked both ways. */
  private async renew(tx: Tx, row: repo.CertificateRow, validityDays: number, actor: Actor) {
    const spki = spkiOf(new X509Certificate(row.certificatePem).publicKey);
    const spec: IssueSpec = {
      subject: row.subject as unknown as SubjectFields,
      sans: row.sans,
      spki,
      keyAlgorithm: row.keyAlgorithm,
      profile: row.profile as IssueSpec['profile'],
      validityDays,
    };
    const successorId = newId();
    return this.insertSigned(
      spec,
      { id: successorId, ownerId: row.ownerId, renewedFrom: row.id, labels: row.labels },
      async (inner, successor) => {
        await repo.update(inner, row.id, { renewedBy: successorId });
        await this.ctx.events.emit(inner, 'certificate.renewed', {
          certificate: toEventData(successor),
          actor,
        });
      },
      tx,
    );
  }
}

/** The row as the database holds it once `values` are inserted (the defaults filled in). */
function insertedRow(values: repo.NewCertificateRow): repo.CertificateRow {
  const now = new Date();
  return {
    ...values,
    status: 'active',
    revocationReason: null,
    revokedAt: null,
    renewedBy: null,
    expiryNotified: null,
    createdAt: now,
    updatedAt: now,
  } as repo.CertificateRow;
}
