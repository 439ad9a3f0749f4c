import type { FastifyInstance } from 'fastify';
import { ExportRegistry } from '../../src/core/export.ts';
import { accountsExportRoutes } from '../../src/modules/accounts/accounts.export.ts';
import { accountsRoutes } from '../../src/modules/accounts/accounts.routes.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { ACCOUNTS_TEST_ENV } from '../accounts/setup.ts';

/** The registry of the app: `app.ctx.exports` once src/app.ts builds it, else one made here. */
export const registryOf = (app: FastifyInstance): ExportRegistry =>
  (app.ctx as { exports?: ExportRegistry }).exports!;

/**
 * The test app with the accounts and export routes (registered here until src/app.ts does it), plus
 * `extend` for sections a test adds.
 */
export async function buildExportApp(extend?: (app: FastifyInstance) => void): Promise<TestApp> {
  return buildTestApp(ACCOUNTS_TEST_ENV, async (app) => {
    if (!app.hasRoute({ method: 'POST', url: '/v1/accounts' })) await app.register(accountsRoutes);
    const ctx = app.ctx as { exports?: ExportRegistry };
    if (!ctx.exports) Object.assign(app.ctx, { exports: new ExportRegistry() });
    if (!app.hasRoute({ method: 'GET', url: '/v1/accounts/:id/export' })) {
      await app.register(accountsExportRoutes, { exports: registryOf(app) });
    }
    extend?.(app);
  });
}
