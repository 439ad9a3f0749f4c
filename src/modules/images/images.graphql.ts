import { notFound } from '../../core/errors/app-error.ts';
import { isUuid } from '../../core/ids.ts';
import type { Db } from '../../core/db/database.ts';
import type { ImageRow } from '../../db/schema/images.ts';
import type { Builder, GraphqlContext } from '../graphql/index.ts';
import * as repo from './images.repository.ts';
import type { ImagesService } from './images.service.ts';
import { readUpload } from './images.upload.ts';

/** Each animal's images, batched per request. */
export function animalImagesLoader(ctx: GraphqlContext, db: Db) {
  return ctx.loader<string, ImageRow[]>('animal.images', async (ids) => {
    const rows = await repo.imagesOfAnimals(db, ids);
    const byAnimal = new Map<string, ImageRow[]>();
    for (const row of rows) byAnimal.set(row.animalId!, [...(byAnimal.get(row.animalId!) ?? []), row]);
    return ids.map((id) => byAnimal.get(id) ?? []);
  });
}

/** `Image`, `User.photo`, `uploadProfilePhoto` and `deleteImage`. */
export function defineImagesGraphql(
  builder: Builder,
  deps: { db: Db; images: ImagesService; maxUploadBytes: number },
) {
  const { db, images, maxUploadBytes } = deps;
  builder.objectType('Image', {
    fields: (t) => ({
      id: t.exposeID('id'),
      url: t.string({ resolve: (row) => images.urls(row).url }),
      thumbnailUrl: t.string({ resolve: (row) => images.urls(row).thumbnailUrl }),
      width: t.exposeInt('width'),
      height: t.exposeInt('height'),
      contentType: t.exposeString('contentType'),
    }),
  });

  builder.objectFields('User', (t) => ({
    photo: t.field({
      type: 'Image',
      nullable: true,
      resolve: async (user, _args, ctx) => {
        const loader = ctx.loader<string, ImageRow | null>('user.photo', async (ids) => {
          const rows = await repo.profilePhotosOf(db, ids);
          const byOwner = new Map(rows.map((r) => [r.ownerId, r]));
          return ids.map((id) => byOwner.get(id) ?? null);
        });
        return loader.load(user.id);
      },
    }),
  }));

  builder.mutationFields((t) => ({
    uploadProfilePhoto: t.field({
      type: 'Image',
      args: { file: t.arg({ type: 'Upload', required: true }) },
      description: 'Replaces the caller\u2019s profile photo (GraphQL multipart request).',
      resolve: async (_root, args, ctx) => {
        const principal = await ctx.requirePrincipal();
        return images.storeProfilePhoto(principal, await readUpload(args.file, maxUploadBytes));
      },
    }),
    deleteImage: t.boolean({
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const principal = await ctx.requirePrincipal();
        await images.delete(principal, assertUuid(args.id));
        return true;
      },
    }),
  }));
}

const assertUuid = (id: string) => {
  if (!isUuid(id)) throw notFound('image');
  return id.toLowerCase();
};
