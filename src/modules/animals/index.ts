// The animals module's public surface.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../core/context.ts';
import type { Guard } from '../auth/index.ts';
import type { GraphqlContribution } from '../graphql/index.ts';
import type { ImagesService } from '../images/index.ts';
import { defineAnimalsGraphql } from './animals.graphql.ts';
import { animalsRoutes } from './animals.routes.ts';
import { exportAnimals, exportZoos } from './animals.repository.ts';
import type { AnimalsService } from './animals.service.ts';

export { AnimalsService } from './animals.service.ts';

/** Its part of the GraphQL schema: animals, zoos, `node`, the lists and the mutations. */
export function animalsGraphql(deps: {
  ctx: AppContext;
  animals: AnimalsService;
  images: ImagesService;
}): GraphqlContribution {
  return (builder) =>
    defineAnimalsGraphql(builder, {
      db: deps.ctx.database.db,
      animals: deps.animals,
      images: deps.images,
      maxUploadBytes: deps.ctx.config.maxUploadBytes,
    });
}

/** Animals and zoos (system 002): the REST image upload, and the account-deletion cleanup. */
export function animalsModule(deps: {
  ctx: AppContext;
  guard: Guard;
  animals: AnimalsService;
  images: ImagesService;
}): FastifyPluginAsync {
  return async (app) => {
    deps.ctx.events.on('account.deleted', (tx, event) => deps.animals.deleteAccountData(tx, event.accountId));
    deps.ctx.exports.register('animals', async (db, accountId) => ({
      animals: await exportAnimals(db, accountId),
      zoos: await exportZoos(db, accountId),
    }));
    await app.register(animalsRoutes, {
      animals: deps.animals,
      images: deps.images,
      guard: deps.guard,
      maxUploadBytes: deps.ctx.config.maxUploadBytes,
    });
  };
}
