// The images module's public surface.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { GraphqlContribution } from '../graphql/index.ts';
import { defineImagesGraphql } from './images.graphql.ts';
import { imagesRoutes } from './images.routes.ts';
import type { ImagesService } from './images.service.ts';
import { SWEEP_QUEUE } from './images.service.ts';

export { ImagesService } from './images.service.ts';
export { readUpload } from './images.upload.ts';

/**
 * Image serving and the blob sweep job; the uploads themselves are the callers' (animals, profile photo),
 * through the one ImagesService made here.
 */
export function imagesModule(deps: { ctx: AppContext; images: ImagesService }): FastifyPluginAsync {
  return async (app) => {
    deps.ctx.worker.register<{ hashes: string[] }>(SWEEP_QUEUE, async (job) => {
      await deps.images.sweep(job.payload.hashes);
    });
    deps.ctx.exports.register('images', (db, accountId) => deps.images.exportOf(db, accountId));
    await app.register(imagesRoutes, { images: deps.images });
  };
}
export { animalImagesLoader } from './images.graphql.ts';

/** Its part of the GraphQL schema: `Image`, `User.photo`, `uploadProfilePhoto`, `deleteImage`. */
export function imagesGraphql(deps: { ctx: AppContext; images: ImagesService }): GraphqlContribution {
  return (builder) =>
    defineImagesGraphql(builder, {
      db: deps.ctx.database.db,
      images: deps.images,
      maxUploadBytes: deps.ctx.config.maxUploadBytes,
    });
}
