import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import { Type } from 'typebox';
import { securityHeaders } from '../../src/core/http/security-headers.ts';
import { get, type Scenario } from './scenario.ts';

const SECURITY_HEADERS = securityHeaders({ env: 'production' });

/**
 * Diagnostic, not a goal (run it by name): Bulwark's `/healthz` against the same route on a bare Fastify 5
 * app — no plugin, no hook, no logger, the same TypeBox response schema. Its ratio is the part of the
 * `healthz` gap that Bulwark's own plumbing could still close; run `healthz` alongside to see Fastify's
 * own cost against bare `node:http`.
 */
export const fastifyFloor: Scenario = {
  name: 'fastify-floor',
  description:
    'GET /healthz: Bulwark against a bare Fastify 5 app with the same route, response schema and headers (no ' +
    'plugin, hook or logger); diagnostic, shows what Bulwark adds to Fastify itself',
  goalRatio: 0,
  diagnostic: true,
  request: () => get('/healthz'),
  bare: async () => {
    let handle: RequestListener | undefined;
    const app = Fastify({
      logger: false,
      serverFactory: (handler) => {
        handle = handler;
        return createServer(handler);
      },
      schemaController: { compilersFactory: { buildValidator: () => TypeBoxValidatorCompiler as never } },
    });
    app.get(
      '/healthz',
      { schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
      // The same headers as Bulwark and the other bare servers, set in the handler rather than a hook.
      async (_request, reply) => {
        reply.headers(SECURITY_HEADERS).header('x-request-id', randomUUID());
        return { status: 'ok' as const };
      },
    );
    await app.ready();
    return { handle: handle!, close: () => app.close() };
  },
};
