import type { Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { isUuid } from '../../core/ids.ts';
import type { AnimalRow, ZooRow } from '../../db/schema/animals.ts';
import {
  defineConnection,
  userLoader,
  type Builder,
  type GraphqlContext,
  type Page,
} from '../graphql/index.ts';
import { animalImagesLoader, readUpload, type ImagesService } from '../images/index.ts';
import { DEFAULT_ORDER, encodeCursor, type Order } from './animals.cursor.ts';
import { assertId, type AnimalsService, type ListPage, type ListQuery } from './animals.service.ts';

interface Deps {
  readonly db: Db;
  readonly animals: AnimalsService;
  readonly images: ImagesService;
  readonly maxUploadBytes: number;
}

const zooLoader = (ctx: GraphqlContext, animals: AnimalsService) =>
  ctx.loader<string, ZooRow | null>('zoo', async (ids) => {
    const byId = new Map((await animals.zoosByIds(ids)).map((z) => [z.id, z]));
    return ids.map((id) => byId.get(id) ?? null);
  });

const animalLoader = (ctx: GraphqlContext, animals: AnimalsService) =>
  ctx.loader<string, AnimalRow | null>('animal', async (ids) => {
    const byId = new Map((await animals.animalsByIds(ids)).map((a) => [a.id, a]));
    return ids.map((id) => byId.get(id) ?? null);
  });

/** A service's page as a connection: cursors encoded (only when asked for) in the page's order. */
const toPage = <T extends AnimalRow | ZooRow>(page: ListPage<T>): Page<T> => ({
  rows: page.rows,
  hasNextPage: page.hasNextPage,
  hasPreviousPage: page.hasPreviousPage,
  totalCount: page.totalCount,
  cursorOf: (row) => encodeCursor(page.order, row),
});

interface PageArgs {
  readonly first?: number | null | undefined;
  readonly after?: string | null | undefined;
}

/**
 * A nested connection (`Zoo.animals`, `User.animals`, `User.zoos`) batched across parents: one loader per
 * distinct (first, after) in the request, one service call (one statement) for all parents of that loader.
 */
function nestedPage<T extends AnimalRow | ZooRow>(
  ctx: GraphqlContext,
  key: string,
  parentId: string,
  args: PageArgs,
  pages: (ids: readonly string[], args: PageArgs) => Promise<Map<string, ListPage<T>>>,
): Promise<Page<T>> {
  const loader = ctx.loader<string, ListPage<T>>(
    `${key}:${args.first ?? ''}:${args.after ?? ''}`,
    async (ids) => {
      const byParent = await pages(ids, args);
      return ids.map((id) => byParent.get(id)!);
    },
  );
  return loader.load(parentId).then(toPage);
}

type OrderArg = { field: 'NAME' | 'CREATED_AT'; direction?: 'ASC' | 'DESC' | null } | null | undefined;

const orderOf = (value: OrderArg): Order =>
  value
    ? {
        field: value.field === 'NAME' ? 'name' : 'createdAt',
        direction: value.direction === 'DESC' ? 'desc' : 'asc',
      }
    : DEFAULT_ORDER;

/**
 * The resolver of a top-level list (`animals`, `zoos`): its GraphQL arguments to the service's list, the
 * page back as a connection.
 */
const listResolver =
  <T extends AnimalRow | ZooRow, F>(list: (query: ListQuery<F>) => Promise<ListPage<T>>) =>
  async (_root: unknown, args: PageArgs & { filter?: F | null; orderBy?: OrderArg }): Promise<Page<T>> =>
    toPage(
      await list({ first: args.first, after: args.after, order: orderOf(args.orderBy), filter: args.filter }),
    );

const optionalId = (value: string | null | undefined, argument: string) =>
  value === null || value === undefined ? null : assertId(value, argument);

/** Animals, zoos, their relations, the lists, `node`, and every mutation on them. */
export function defineAnimalsGraphql(builder: Builder, deps: Deps): void {
  const { db, animals, maxUploadBytes } = deps;
  const owner = async (ownerId: string, ctx: GraphqlContext) => {
    const user = await userLoader(ctx, db).load(ownerId);
    if (!user) throw new AppError('INTERNAL', `Owner ${ownerId} is missing.`);
    return user;
  };

  builder.objectType('Animal', {
    interfaces: ['Node'],
    isTypeOf: (v) => typeof v === 'object' && v !== null && 'species' in v,
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      species: t.exposeString('species', { nullable: true }),
      birthDate: t.field({ type: 'Date', nullable: true, resolve: (a) => a.birthDate }),
      description: t.exposeString('description', { nullable: true }),
      owner: t.field({ type: 'User', resolve: (a, _args, ctx) => owner(a.ownerId, ctx) }),
      zoo: t.field({
        type: 'Zoo',
        nullable: true,
        resolve: (a, _args, ctx) => (a.zooId ? zooLoader(ctx, animals).load(a.zooId) : null),
      }),
      images: t.field({
        type: ['Image'],
        resolve: (a, _args, ctx) => animalImagesLoader(ctx, db).load(a.id),
      }),
      createdAt: t.field({ type: 'DateTime', resolve: (a) => a.createdAt }),
      updatedAt: t.field({ type: 'DateTime', resolve: (a) => a.updatedAt }),
    }),
  });

  builder.objectType('Zoo', {
    interfaces: ['Node'],
    isTypeOf: (v) =>
      typeof v === 'object' && v !== null && 'ownerId' in v && !('species' in v) && !('purpose' in v),
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      owner: t.field({ type: 'User', resolve: (z, _args, ctx) => owner(z.ownerId, ctx) }),
      animals: t.field({
        type: 'AnimalConnection',
        args: { first: t.arg.int(), after: t.arg.string() },
        resolve: (z, args, ctx) =>
          nestedPage(ctx, 'zoo.animals', z.id, args, (ids, q) => animals.animalsOf('zooId', ids, q)),
      }),
      createdAt: t.field({ type: 'DateTime', resolve: (z) => z.createdAt }),
      updatedAt: t.field({ type: 'DateTime', resolve: (z) => z.updatedAt }),
    }),
  });

  builder.objectFields('User', (t) => ({
    animals: t.field({
      type: 'AnimalConnection',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (u, args, ctx) =>
        nestedPage(ctx, 'user.animals', u.id, args, (ids, q) => animals.animalsOf('ownerId', ids, q)),
    }),
    zoos: t.field({
      type: 'ZooConnection',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (u, args, ctx) => nestedPage(ctx, 'user.zoos', u.id, args, (ids, q) => animals.zoosOf(ids, q)),
    }),
  }));

  defineConnection(builder, 'Animal');
  defineConnection(builder, 'Zoo');

  const OrderField = builder.enumType('AnimalOrderField', { values: ['NAME', 'CREATED_AT'] as const });
  const Direction = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });
  const AnimalOrder = builder.inputType('AnimalOrder', {
    description: 'Sort order; ties are broken by id, so pages are stable.',
    fields: (t) => ({
      field: t.field({ type: OrderField, required: true }),
      direction: t.field({ type: Direction, required: false, defaultValue: 'ASC' }),
    }),
  });
  const AnimalFilter = builder.inputType('AnimalFilter', {
    fields: (t) => ({
      nameContains: t.string({ description: 'Case-insensitive substring of the name' }),
      species: t.string({ description: 'Exact species, case-insensitive' }),
      zooId: t.id(),
      ownerId: t.id(),
    }),
  });
  const ZooFilter = builder.inputType('ZooFilter', {
    fields: (t) => ({ nameContains: t.string(), ownerId: t.id() }),
  });
  const ZooOrder = builder.inputType('ZooOrder', {
    fields: (t) => ({
      field: t.field({ type: OrderField, required: true }),
      direction: t.field({ type: Direction, required: false, defaultValue: 'ASC' }),
    }),
  });

  builder.queryFields((t) => ({
    node: t.field({
      type: 'Node',
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      description: 'Any animal, zoo or user by its UUID (the same as in the REST API).',
      resolve: async (_root, { id }, ctx) => {
        if (!isUuid(id)) return null;
        const key = id.toLowerCase();
        const [animal, zoo, user] = await Promise.all([
          animalLoader(ctx, animals).load(key),
          zooLoader(ctx, animals).load(key),
          userLoader(ctx, db).load(key),
        ]);
        return animal ?? zoo ?? user ?? null;
      },
    }),
    animal: t.field({
      type: 'Animal',
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, ctx) =>
        isUuid(id) ? animalLoader(ctx, animals).load(id.toLowerCase()) : null,
    }),
    zoo: t.field({
      type: 'Zoo',
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, ctx) => (isUuid(id) ? zooLoader(ctx, animals).load(id.toLowerCase()) : null),
    }),
    animals: t.field({
      type: 'AnimalConnection',
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        filter: t.arg({ type: AnimalFilter }),
        orderBy: t.arg({ type: AnimalOrder }),
      },
      resolve: listResolver((query) => animals.listAnimals(query)),
    }),
    zoos: t.field({
      type: 'ZooConnection',
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        filter: t.arg({ type: ZooFilter }),
        orderBy: t.arg({ type: ZooOrder }),
      },
      resolve: listResolver((query) => animals.listZoos(query)),
    }),
  }));

  const CreateAnimalInput = builder.inputType('CreateAnimalInput', {
    fields: (t) => ({
      name: t.string({ required: true }),
      species: t.string(),
      birthDate: t.field({ type: 'Date' }),
      description: t.string(),
      zooId: t.id(),
    }),
  });
  const UpdateAnimalInput = builder.inputType('UpdateAnimalInput', {
    fields: (t) => ({
      name: t.string(),
      species: t.string(),
      birthDate: t.field({ type: 'Date' }),
      description: t.string(),
    }),
  });
  const CreateZooInput = builder.inputType('CreateZooInput', {
    fields: (t) => ({ name: t.string({ required: true }) }),
  });
  const UpdateZooInput = builder.inputType('UpdateZooInput', {
    fields: (t) => ({ name: t.string({ required: true }) }),
  });

  builder.mutationFields((t) => ({
    createAnimal: t.field({
      type: 'Animal',
      args: { input: t.arg({ type: CreateAnimalInput, required: true }) },
      resolve: async (_root, { input }, ctx) => animals.createAnimal(await ctx.requirePrincipal(), input),
    }),
    updateAnimal: t.field({
      type: 'Animal',
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAnimalInput, required: true }) },
      resolve: async (_root, args, ctx) => {
        const principal = await ctx.requirePrincipal();
        return animals.updateAnimal(principal, assertId(args.id, 'id'), stripUndefined(args.input));
      },
    }),
    deleteAnimal: t.boolean({
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        await animals.deleteAnimal(await ctx.requirePrincipal(), assertId(args.id, 'id'));
        return true;
      },
    }),
    moveAnimal: t.field({
      type: 'Animal',
      args: { animalId: t.arg.id({ required: true }), zooId: t.arg.id() },
      description: 'Into a zoo (its owner only), or out of any zoo with `zooId: null`.',
      resolve: async (_root, args, ctx) => {
        const principal = await ctx.requirePrincipal();
        return animals.moveAnimal(
          principal,
          assertId(args.animalId, 'animalId'),
          optionalId(args.zooId, 'zooId'),
        );
      },
    }),
    transferAnimal: t.field({
      type: 'Animal',
      args: { animalId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const principal = await ctx.requirePrincipal();
        return animals.transferAnimal(
          principal,
          assertId(args.animalId, 'animalId'),
          assertId(args.userId, 'userId'),
        );
      },
    }),
    createZoo: t.field({
      type: 'Zoo',
      args: { input: t.arg({ type: CreateZooInput, required: true }) },
      resolve: async (_root, { input }, ctx) => animals.createZoo(await ctx.requirePrincipal(), input),
    }),
    updateZoo: t.field({
      type: 'Zoo',
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateZooInput, required: true }) },
      resolve: async (_root, args, ctx) =>
        animals.updateZoo(await ctx.requirePrincipal(), assertId(args.id, 'id'), args.input),
    }),
    deleteZoo: t.boolean({
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        await animals.deleteZoo(await ctx.requirePrincipal(), assertId(args.id, 'id'));
        return true;
      },
    }),
    transferZoo: t.field({
      type: 'Zoo',
      args: { zooId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const principal = await ctx.requirePrincipal();
        return animals.transferZoo(principal, assertId(args.zooId, 'zooId'), assertId(args.userId, 'userId'));
      },
    }),
    uploadAnimalImage: t.field({
      type: 'Image',
      args: { animalId: t.arg.id({ required: true }), file: t.arg({ type: 'Upload', required: true }) },
      resolve: async (_root, args, ctx) => {
        const principal = await ctx.requirePrincipal();
        const id = assertId(args.animalId, 'animalId');
        return animals.addImage(principal, id, await readUpload(args.file, maxUploadBytes));
      },
    }),
  }));
}

/** GraphQL gives absent input fields as undefined and explicit nulls as null; only the latter clear. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
