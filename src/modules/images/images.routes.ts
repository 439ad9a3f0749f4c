import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import type { ImagesService, Variant } from './images.service.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `GET /v1/images/{id}` and `/thumbnail`: public (they go into `<img src>`), immutable (an image never
 * changes: a new upload is a new id), validated by a strong ETag of the content hash.
 */
export const imagesRoutes: FastifyPluginAsyncTypebox<{ images: ImagesService }> = async (app, { images }) => {
  const serve = (variant: Variant) =>
    async function (
      request: { params: { id: string }; headers: { 'if-none-match'?: string | undefined } },
      reply: FastifyReply,
    ) {
      const { contentType, etag, body } = await images.open(request.params.id, variant);
      reply
        .header('etag', etag)
        .header('cache-control', IMMUTABLE)
        .header('x-content-type-options', 'nosniff')
        // Public images are meant for `<img src>` on other origins too (the default here is same-origin).
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('content-security-policy', "default-src 'none'; sandbox");
      const match = request.headers['if-none-match'];
      if (typeof match === 'string' && match.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
        body.destroy();
        return reply.code(304).send();
      }
      return reply.type(contentType).send(body);
    };
  const schema = (summary: string) => ({
    tags: ['images'],
    summary,
    params: IdParam,
    headers: Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 512 })) }),
    response: {
      200: Type.Unsafe<Buffer>({ description: 'The image bytes', type: 'string', format: 'binary' }),
      304: Type.Null({ description: 'Not modified' }),
      ...problemResponses(404, 422),
    },
  });
  app.get(
    '/v1/images/:id',
    { schema: schema('An uploaded image (re-encoded, without metadata)') },
    serve('image'),
  );
  app.get(
    '/v1/images/:id/thumbnail',
    { schema: schema('The image\u2019s thumbnail (WebP, at most 256×256)') },
    serve('thumbnail'),
  );
};
