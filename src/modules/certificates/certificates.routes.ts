import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../core/events.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import {
  CERTIFICATE_SCHEMAS,
  Certificate,
  CertificateList,
  CreatedCertificate,
  CertificateListQuery,
  CreateCertificateBody,
  UpdateCertificateBody,
} from './certificates.schemas.ts';
import type { CaRuntime } from './index.ts';

/** Who made a change, for events: the account, the request id and the client address. */
export const actorOf = (request: FastifyRequest): Actor => ({
  accountId: request.principal?.account.id ?? null,
  requestId: request.id,
  ip: request.ip,
});

/** `/v1/certificates`: issue, read, list, update. */
export function certificatesRoutes(deps: {
  guard: Guard;
  runtime: () => Promise<CaRuntime>;
}): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { guard, runtime } = deps;
    const service = async () => (await runtime()).service;
    for (const schema of CERTIFICATE_SCHEMAS) app.addSchema(schema);
    const tags = ['certificates'];

    app.post(
      '/v1/certificates',
      {
        preHandler: guard({ scope: 'certificates:write' }),
        schema: {
          tags,
          summary: 'Issue a certificate: a generated key (returned once) or a CSR signed',
          security: SECURED,
          body: CreateCertificateBody,
          response: { 201: CreatedCertificate, ...problemResponses(400, 401, 403, 415, 422) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await (await service()).issue(principalOf(request), request.body, actorOf(request))),
    );

    app.get(
      '/v1/certificates',
      {
        preHandler: guard({ scope: 'certificates:read' }),
        schema: {
          tags,
          summary: 'Your certificates (admins: everyone’s), newest first, with filters',
          security: SECURED,
          querystring: CertificateListQuery,
          response: { 200: CertificateList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => (await service()).list(principalOf(request), request.query),
    );

    app.get(
      '/v1/certificates/:id',
      {
        preHandler: guard({ scope: 'certificates:read' }),
        schema: {
          tags,
          summary: 'A certificate (yours; admins: any); never a private key',
          security: SECURED,
          params: IdParam,
          response: { 200: Certificate, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => (await service()).get(principalOf(request), request.params.id),
    );

    app.patch(
      '/v1/certificates/:id',
      {
        preHandler: guard({ scope: 'certificates:write' }),
        schema: {
          tags,
          summary: 'Renew (returns the successor), put on hold, release, revoke, or edit labels',
          security: SECURED,
          params: IdParam,
          body: UpdateCertificateBody,
          response: { 200: Certificate, ...problemResponses(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (request) =>
        (await service()).update(principalOf(request), request.params.id, request.body, actorOf(request)),
    );
  };
}
