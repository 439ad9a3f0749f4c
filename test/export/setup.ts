import type { FastifyInstance } from 'fastify';
import type { ExportRegistry } from '../../src/core/export.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';

/** The app's export registry, where each module registers its section. */
export const registryOf = (app: FastifyInstance): ExportRegistry => app.ctx.exports;

/** The test app, plus `extend` for sections a test adds. */
export function buildExportApp(extend?: (app: FastifyInstance) => void): Promise<TestApp> {
  return buildTestApp(QUICK_AUTH_ENV, extend);
}
