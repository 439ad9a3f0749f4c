// Shared set-up of the auth tests: the app with quick hashing, a second instance, and small assertions on
// problem+json answers.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';

/** A test app with its own database; `env` overrides QUICK_AUTH_ENV. */
export const buildAuthApp = (env: Record<string, string> = {}): Promise<TestApp> =>
  buildTestApp({ ...QUICK_AUTH_ENV, ...env });

/**
 * A second instance on the same database and master key (another node behind the load balancer).
 * The caller closes it; the database stays the first app's.
 */
export async function buildSecondInstance(
  t: TestApp,
  env: Record<string, string> = {},
): Promise<FastifyInstance> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: t.config.dataDir,
    ...QUICK_AUTH_ENV,
    ...env,
  });
  const app = await buildApp({
    config,
    database: t.db.database,
    masterKey: t.app.ctx.masterKey,
    startWorker: false,
  });
  await app.ready();
  return app;
}

export function expectProblem(res: LightMyRequestResponse, status: number): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status, type: expect.stringMatching(/^urn:bulwark:problem:/) });
}

/** 401 problem+json with a challenge naming the schemes (and RFC 6750's error for a bad bearer token). */
export function expectUnauthenticated(res: LightMyRequestResponse, bearerError?: 'invalid_token'): void {
  expectProblem(res, 401);
  const challenge = String(res.headers['www-authenticate']);
  expect(challenge).toMatch(/^Bearer realm="bulwark"/);
  expect(challenge).toContain('ApiKey realm="bulwark", header="X-Auth"');
  if (bearerError) expect(challenge).toContain(`error="${bearerError}"`);
}

export const getMe = (app: FastifyInstance, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: '/v1/auth/me', headers });

/** Polls `probe` every 50 ms until it returns true or `boundMs` passes; returns the time it took, or undefined. */
export async function within(boundMs: number, probe: () => Promise<boolean>): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < boundMs) {
    if (await probe()) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}
