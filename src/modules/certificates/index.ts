import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import { loadAuthority } from './ca.authority.ts';
import { initCa, SYSTEM_ACTOR } from './ca.init.ts';
import { caRoutes } from './ca.routes.ts';
import * as repo from './certificates.repository.ts';
import { registerExpiryJob, scheduleExpirySweep } from './certificates.jobs.ts';
import { certificatesRoutes } from './certificates.routes.ts';
import { CertificatesService } from './certificates.service.ts';
import { toEventData, toExportView } from './certificates.view.ts';
import { CrlPublisher } from './crl.publisher.ts';
import { OcspResponder } from './ocsp.responder.ts';

export { importCa, initCa, readPrivateKey } from './ca.init.ts';
export { rotateMasterKey } from './ca.rotate.ts';

/** The module's running parts, built once the CA is loaded. */
export interface CaRuntime {
  readonly service: CertificatesService;
  readonly crl: CrlPublisher;
  readonly ocsp: OcspResponder;
}

/**
 * Loads the CA (creating it at first start when CA_AUTO_INIT is on) and builds the services on it. Lazy and
 * memoized, started when the app is ready: the database may not be migrated when the app is built (the
 * OpenAPI export, `/readyz` before `bulwark migrate`), and a failed load is retried at the next request.
 */
function runtimeLoader(ctx: AppContext): () => Promise<CaRuntime> {
  let loading: Promise<CaRuntime> | undefined;
  const load = async (): Promise<CaRuntime> => {
    const keys = { current: ctx.masterKey, previous: ctx.config.masterKeyPrevious };
    let authority = await loadAuthority(ctx.database.db, keys);
    if (!authority && ctx.config.caAutoInit) {
      await initCa(ctx.database, keys, ctx.events);
      authority = await loadAuthority(ctx.database.db, keys);
    }
    if (!authority) throw new Error('No certificate authority: run `bulwark ca init` or `bulwark ca import`');
    await scheduleExpirySweep(ctx.database.db);
    const crl = new CrlPublisher(ctx.database, () => service.authority, ctx.config.crlValiditySeconds);
    const service: CertificatesService = new CertificatesService(ctx, authority, () => crl.invalidate());
    return { service, crl, ocsp: new OcspResponder(ctx.database, () => service.authority) };
  };
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}

/**
 * The certificate authority (contract §4): issuing, renewal, hold, revocation, inventory, CRL, OCSP and the
 * daily expiry sweep. An account's deletion revokes its certificates in the same transaction; its
 * certificates are in its data export.
 * @example await app.register(certificatesModule({ ctx, guard: app.auth.guard }))
 */
export function certificatesModule(deps: { ctx: AppContext; guard: Guard }): FastifyPluginAsync {
  return async (app) => {
    const { ctx, guard } = deps;
    const runtime = runtimeLoader(ctx);

    ctx.events.on('account.deleted', async (tx, { accountId }) => {
      const rows = await repo.unrevokedOf(tx, accountId);
      const issuers = new Set<string>();
      for (const row of rows) {
        const revoked = await repo.update(tx, row.id, {
          status: 'revoked',
          revocationReason: 'cessationOfOperation',
          revokedAt: new Date(),
        });
        issuers.add(row.issuerId);
        await ctx.events.emit(tx, 'certificate.revoked', {
          certificate: toEventData(revoked),
          actor: SYSTEM_ACTOR,
        });
      }
      for (const issuerId of issuers) await repo.bumpRevision(tx, issuerId);
    });
    ctx.exports.register('certificates', async (db, accountId) =>
      (await repo.allOf(db, accountId)).map(toExportView),
    );
    registerExpiryJob(ctx);
    app.addHook('onReady', async () => {
      // Started, not awaited: a database that is not migrated yet must not stop the boot.
      runtime().catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'certificate authority not loaded yet'),
      );
    });

    await app.register(certificatesRoutes({ guard, runtime }));
    await app.register(caRoutes({ runtime }));
  };
}
