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
import { DEFAULT_ORDER, decodeCursor, encodeCursor, pageSize, type Order } from './animals.cursor.ts';
import * as repo from './animals.repository.ts';
import { assertId, type AnimalsService } from './animals.service.ts';

interface Deps {
  readonly db: Db;
  readonly animals: AnimalsService;
  readonly images: ImagesService;
  readonly maxUploadBytes: number;
}

const zooLoader = (ctx: GraphqlContext, db: Db) =>
  ctx.loader<string, ZooRow | null>('zoo', async (ids) => {
    const byId = new Map((await repo.zoosByIds(db, ids)).map((z) => [z.id, z]));
    return ids.map((id) => byId.get(id) ?? null);
  });

const animalLoader = (ctx: GraphqlContext, db: Db) =>
  ctx.loader<string, AnimalRow | null>('animal', async (ids) => {
    const byId = new Map((await repo.animalsByIds(db, ids)).map((a) => [a.id, a]));
    return ids.map((id) => byId.get(id) ?? null);
  });

/** A page of a top-level list: `limit + 1` rows fetched tell whether a next page exists. */
function pageOf<T extends AnimalRow | ZooRow>(
  rows: T[],
  limit: number,
  order: Order,
  after: boolean,
  total: () => Promise<number>,
): Page<T> {
  return {
    rows: rows.slice(0, limit),
    hasNextPage: rows.length > limit,
    hasPreviousPage: after,
    cursorOf: (row) => encodeCursor(order, row),
    totalCount: total,
  };
}

/**
 * A nested connection (`Zoo.animals`, `User.animals`, `User.zoos`) batched across parents: one loader per
 * distinct (first, after) in the request, one statement for all parents of that loader.
 */
function nestedPage<T extends AnimalRow | ZooRow>(
  ctx: GraphqlContext,
  key: string,
  parentId: string,
  args: { first?: number | null; after?: string | null },
  fetch: (
    ids: readonly string[],
    q: { order: Order; after: ReturnType<typeof decodeCursor>; limit: number },
  ) => Promise<T[]>,
  parentOf: (row: T) => string,
  count: (ids: readonly string[]) => Promise<Map<string, number>>,
): Promise<Page<T>> {
  const limit = pageSize(args.first);
  const after = decodeCursor(DEFAULT_ORDER, args.after);
  const loader = ctx.loader<string, T[]>(`${key}:${limit}:${args.after ?? ''}`, async (ids) => {
    const rows = await fetch(ids, { order: DEFAULT_ORDER, after, limit });
    const byParent = new Map<string, T[]>();
    for (const row of rows) byParent.set(parentOf(row), [...(byParent.get(parentOf(row)) ?? []), row]);
    return ids.map((id) => byParent.get(id) ?? []);
  });
  const counter = ctx.loader<string, number>(`${key}:count`, async (ids) => {
    const counts = await count(ids);
    return ids.map((id) => counts.get(id) ?? 0);
  });
  return loader
    .load(parentId)
    .then((rows) => pageOf(rows, limit, DEFAULT_ORDER, after !== undefined, () => counter.load(parentId)));
}

const orderOf = (
  value: { field: 'NAME' | 'CREATED_AT'; direction?: 'ASC' | 'DESC' | null } | null | undefined,
): Order =>
  value
    ? {
        field: value.field === 'NAME' ? 'name' : 'createdAt',
        direction: value.direction === 'DESC' ? 'desc' : 'asc',
      }
    : DEFAULT_ORDER;

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
        resolve: (a, _args, ctx) => (a.zooId ? zooLoader(ctx, db).load(a.zooId) : null),
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
          nestedPage(
            ctx,
            'zoo.animals',
            z.id,
            args,
            (ids, q) => repo.animalsOfParents(db, 'zooId', ids, q),
            (a) => a.zooId!,
            (ids) => repo.countAnimalsOf(db, 'zooId', ids),
          ),
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
        nestedPage(
          ctx,
          'user.animals',
          u.id,
          args,
          (ids, q) => repo.animalsOfParents(db, 'ownerId', ids, q),
          (a) => a.ownerId,
          (ids) => repo.countAnimalsOf(db, 'ownerId', ids),
        ),
    }),
    zoos: t.field({
      type: 'ZooConnection',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (u, args, ctx) =>
        nestedPage(
          ctx,
          'user.zoos',
          u.id,
          args,
          (ids, q) => repo.zoosOfOwners(db, ids, q),
          (z) => z.ownerId,
          (ids) => repo.countZoosOf(db, ids),
        ),
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

  const filterText = (value: string | null | undefined, argument: string) => {
    if (value && value.length > 100)
      throw new AppError('VALIDATION_FAILED', `${argument} is too long.`, {
        errors: [{ path: argument, message: 'at most 100 characters' }],
      });
    return value ?? null;
  };

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
          animalLoader(ctx, db).load(key),
          zooLoader(ctx, db).load(key),
          userLoader(ctx, db).load(key),
        ]);
        return animal ?? zoo ?? user ?? null;
      },
    }),
    animal: t.field({
      type: 'Animal',
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, ctx) => (isUuid(id) ? animalLoader(ctx, db).load(id.toLowerCase()) : null),
    }),
    zoo: t.field({
      type: 'Zoo',
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, ctx) => (isUuid(id) ? zooLoader(ctx, db).load(id.toLowerCase()) : null),
    }),
    animals: t.field({
      type: 'AnimalConnection',
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        filter: t.arg({ type: AnimalFilter }),
        orderBy: t.arg({ type: AnimalOrder }),
      },
      resolve: async (_root, args) => {
        const limit = pageSize(args.first);
        const order = orderOf(args.orderBy);
        const after = decodeCursor(order, args.after);
        const filter = {
          nameContains: filterText(args.filter?.nameContains, 'filter.nameContains'),
          species: filterText(args.filter?.species, 'filter.species'),
          zooId: optionalId(args.filter?.zooId, 'filter.zooId'),
          ownerId: optionalId(args.filter?.ownerId, 'filter.ownerId'),
        };
        const rows = await repo.listAnimals(db, { filter, order, after, limit });
        return pageOf(rows, limit, order, after !== undefined, () => repo.countAnimals(db, filter));
      },
    }),
    zoos: t.field({
      type: 'ZooConnection',
      args: {
        first: t.arg.int(),
        after: t.arg.string(),
        filter: t.arg({ type: ZooFilter }),
        orderBy: t.arg({ type: ZooOrder }),
      },
      resolve: async (_root, args) => {
        const limit = pageSize(args.first);
        const order = orderOf(args.orderBy);
        const after = decodeCursor(order, args.after);
        const filter = {
          nameContains: filterText(args.filter?.nameContains, 'filter.nameContains'),
          ownerId: optionalId(args.filter?.ownerId, 'filter.ownerId'),
        };
        const rows = await repo.listZoos(db, { filter, order, after, limit });
        return pageOf(rows, limit, order, after !== undefined, () => repo.countZoos(db, filter));
      },
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
