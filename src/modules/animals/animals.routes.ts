import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors/app-error.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import type { ImagesService } from '../images/index.ts';
import type { AnimalsService } from './animals.service.ts';

export const ImageView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    thumbnail_url: Type.String(),
    width: Type.Integer(),
    height: Type.Integer(),
    content_type: Type.String(),
  },
  { $id: 'Image' },
);

/**
 * `POST /v1/animals/{id}/images`: the REST twin of `uploadAnimalImage`, through the same service. The
 * file part is bounded while it streams (@fastify/multipart stops at MAX_UPLOAD_BYTES with 413).
 */
export const animalsRoutes: FastifyPluginAsyncTypebox<{
  animals: AnimalsService;
  images: ImagesService;
  guard: Guard;
  maxUploadBytes: number;
}> = async (app, deps) => {
  await app.register(multipart, {
    limits: { fileSize: deps.maxUploadBytes, files: 1, fields: 0, parts: 2, headerPairs: 50 },
    throwFileSizeLimit: true,
  });
  app.addSchema(ImageView);
  app.post(
    '/v1/animals/:id/images',
    {
      preHandler: deps.guard({ scope: 'animals:write' }),
      schema: {
        tags: ['animals'],
        summary: 'Add an image to an animal (multipart/form-data, one part named `file`)',
        consumes: ['multipart/form-data'],
        security: SECURED,
        params: IdParam,
        response: { 201: Type.Ref('Image'), ...problemResponses(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data.');
      const part = await request.file();
      if (!part || part.fieldname !== 'file') {
        throw new AppError('VALIDATION_FAILED', 'One file part named `file` is required.', {
          errors: [{ path: '/body/file', message: 'is required' }],
        });
      }
      const bytes = await part.toBuffer();
      const row = await deps.animals.addImage(principalOf(request), request.params.id, bytes);
      const urls = deps.images.urls(row);
      return reply.code(201).send({
        id: row.id,
        url: urls.url,
        thumbnail_url: urls.thumbnailUrl,
        width: row.width,
        height: row.height,
        content_type: row.contentType,
      });
    },
  );
};
