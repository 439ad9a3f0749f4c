import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { problemResponses } from '../../core/http/schemas.ts';
import { toPem } from './der.ts';
import type { CaRuntime } from './index.ts';

const Pem = Type.String({ description: 'PEM text' });
const Binary = Type.Unsafe<Buffer | string>({ type: 'string', format: 'binary' });

/** The CA's public material, CRL and OCSP: unauthenticated, as relying parties fetch them. */
export function caRoutes(deps: { runtime: () => Promise<CaRuntime> }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const authority = async () => (await deps.runtime()).service.authority;
    const tags = ['ca'];
    const pem = (reply: FastifyReply, body: string) =>
      reply.type('application/x-pem-file').header('cache-control', 'public, max-age=300').send(body);

    app.get(
      '/v1/ca/root.pem',
      { schema: { tags, summary: 'The root CA certificate', response: { 200: Pem } } },
      async (_request, reply) => pem(reply, (await authority()).rootPem),
    );
    app.get(
      '/v1/ca/chain.pem',
      { schema: { tags, summary: 'The issuing intermediate, then the root', response: { 200: Pem } } },
      async (_request, reply) => pem(reply, (await authority()).chainPem),
    );
    app.get(
      '/v1/ca/issuer.cer',
      {
        schema: {
          tags,
          summary: 'The issuing intermediate (DER): the AIA caIssuers of leaves',
          response: { 200: Binary },
        },
      },
      async (_request, reply) =>
        reply
          .type('application/pkix-cert')
          .header('cache-control', 'public, max-age=300')
          .send((await authority()).issuer.der),
    );

    app.get(
      '/v1/ca/crl',
      {
        schema: {
          tags,
          summary: 'The CRL of the issuing intermediate (DER; PEM with Accept: application/x-pem-file)',
          response: { 200: Binary, 304: Type.Null() },
        },
      },
      async (request, reply) => {
        const crl = await (await deps.runtime()).crl.current();
        const asPem = (request.headers.accept ?? '').includes('application/x-pem-file');
        const etag = asPem ? crl.etag.replace(/"$/, '-pem"') : crl.etag;
        reply
          .header('etag', etag)
          .header('last-modified', crl.thisUpdate.toUTCString())
          .header('cache-control', 'public, max-age=60')
          .header('vary', 'accept');
        if (request.headers['if-none-match'] === etag) return reply.code(304).send(null);
        return asPem
          ? reply.type('application/x-pem-file').send(toPem(crl.der, 'X509 CRL'))
          : reply.type('application/pkix-crl').send(crl.der);
      },
    );

    app.addContentTypeParser(
      'application/ocsp-request',
      { parseAs: 'buffer', bodyLimit: 64 * 1024 },
      (_r, body, done) => done(null, body),
    );
    const answer = async (reply: FastifyReply, der: Buffer) => {
      const { status, body } = await (await deps.runtime()).ocsp.respond(der);
      return reply
        .code(status)
        .type('application/ocsp-response')
        .header('cache-control', 'no-store')
        .send(body);
    };
    app.post(
      '/v1/ca/ocsp',
      {
        schema: {
          tags,
          summary: 'RFC 6960 OCSP responder (application/ocsp-request)',
          consumes: ['application/ocsp-request'],
          response: { 200: Binary, 400: Binary, ...problemResponses(413, 415) },
        },
      },
      async (request, reply) => answer(reply, request.body as Buffer),
    );
    app.get(
      '/v1/ca/ocsp/*',
      {
        schema: {
          tags,
          summary: 'RFC 6960 OCSP over GET: the base64 request (URL-encoded) in the path',
          response: { 200: Binary, 400: Binary },
        },
      },
      async (request, reply) => {
        const encoded = (request.params as { '*': string })['*'];
        let der: Buffer;
        try {
          der = Buffer.from(decodeURIComponent(encoded), 'base64');
        } catch {
          der = Buffer.alloc(0);
        }
        return answer(reply, der);
      },
    );
  };
}
