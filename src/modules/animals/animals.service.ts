import { eq, and, isNull } from 'drizzle-orm';
import type { AppContext } from '../../core/context.ts';
import type { Tx } from '../../core/db/database.ts';
import { isUniqueViolation } from '../../core/db/errors.ts';
import { AppError, forbidden, notFound, validationFailed } from '../../core/errors/app-error.ts';
import { isUuid, newId } from '../../core/ids.ts';
import type { AnimalRow, ZooRow } from '../../db/schema/animals.ts';
import { accounts } from '../../db/schema/accounts.ts';
import type { ImageRow } from '../../db/schema/images.ts';
import { canActFor, type Principal } from '../auth/index.ts';
import type { ImagesService } from '../images/index.ts';
import { DEFAULT_ORDER, decodeCursor, pageSize, type Order } from './animals.cursor.ts';
import * as repo from './animals.repository.ts';
import {
  assertValid,
  CreateAnimalInput,
  UpdateAnimalInput,
  ZooInput,
  type CreateAnimalInput as CreateAnimal,
} from './animals.schemas.ts';

/** An id argument that is not a UUID names nothing: BAD_USER_INPUT on that argument. */
export function assertId(value: string, argument: string): string {
  if (!isUuid(value)) throw validationFailed([{ path: argument, message: 'must be a UUID' }]);
  return value.toLowerCase();
}

/** One page of a list: the rows, whether more follow, and its total (counted only when asked for). */
export interface ListPage<T> {
  readonly rows: readonly T[];
  readonly order: Order;
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly totalCount: () => Promise<number>;
}

/** A list request as a client gives it: `first` 1..100 (default 20), an opaque `after`, raw filter values. */
export interface ListQuery<F> {
  readonly first?: number | null | undefined;
  readonly after?: string | null | undefined;
  readonly order?: Order | undefined;
  readonly filter?: F | null | undefined;
}
type Raw<F> = { readonly [K in keyof F]?: string | null | undefined };

/** The rows of `limit + 1` fetched tell whether a next page exists. */
function pageOf<T>(
  rows: readonly T[],
  limit: number,
  order: Order,
  after: boolean,
  total: () => Promise<number>,
): ListPage<T> {
  return {
    rows: rows.length > limit ? rows.slice(0, limit) : rows,
    order,
    hasNextPage: rows.length > limit,
    hasPreviousPage: after,
    totalCount: total,
  };
}

const filterText = (value: string | null | undefined, argument: string) => {
  if (value && value.length > 100)
    throw new AppError('VALIDATION_FAILED', `${argument} is too long.`, {
      errors: [{ path: argument, message: 'at most 100 characters' }],
    });
  return value ?? null;
};

const optionalId = (value: string | null | undefined, argument: string) =>
  value === null || value === undefined ? null : assertId(value, argument);

const notYours = (what: string) => forbidden(`Only the ${what}'s owner or an admin may do this.`);

/**
 * The rules of animals and zoos, shared by GraphQL and REST: reads are public; the owner or an admin
 * changes, moves, transfers or deletes; an animal goes into a zoo only by the zoo's owner (or an admin).
 */
export class AnimalsService {
  private readonly ctx: AppContext;
  private readonly images: ImagesService;
  constructor(ctx: AppContext, images: ImagesService) {
    this.ctx = ctx;
    this.images = images;
  }

  private get db() {
    return this.ctx.database.db;
  }

  /** A page of animals, filtered (name contains, species, zoo, owner) and ordered, stable by id. */
  async listAnimals(query: ListQuery<Raw<repo.AnimalFilter>>): Promise<ListPage<AnimalRow>> {
    const limit = pageSize(query.first);
    const order = query.order ?? DEFAULT_ORDER;
    const after = decodeCursor(order, query.after);
    const filter: repo.AnimalFilter = {
      nameContains: filterText(query.filter?.nameContains, 'filter.nameContains'),
      species: filterText(query.filter?.species, 'filter.species'),
      zooId: optionalId(query.filter?.zooId, 'filter.zooId'),
      ownerId: optionalId(query.filter?.ownerId, 'filter.ownerId'),
    };
    const rows = await repo.listAnimals(this.db, { filter, order, after, limit });
    return pageOf(rows, limit, order, after !== undefined, () => repo.countAnimals(this.db, filter));
  }

  /** A page of zoos, filtered (name contains, owner) and ordered, stable by id. */
  async listZoos(query: ListQuery<Raw<repo.ZooFilter>>): Promise<ListPage<ZooRow>> {
    const limit = pageSize(query.first);
    const order = query.order ?? DEFAULT_ORDER;
    const after = decodeCursor(order, query.after);
    const filter: repo.ZooFilter = {
      nameContains: filterText(query.filter?.nameContains, 'filter.nameContains'),
      ownerId: optionalId(query.filter?.ownerId, 'filter.ownerId'),
    };
    const rows = await repo.listZoos(this.db, { filter, order, after, limit });
    return pageOf(rows, limit, order, after !== undefined, () => repo.countZoos(this.db, filter));
  }

  /** Animals by id, in no particular order (for batched loads); unknown ids are left out. */
  animalsByIds(ids: readonly string[]): Promise<AnimalRow[]> {
    return repo.animalsByIds(this.db, ids);
  }

  zoosByIds(ids: readonly string[]): Promise<ZooRow[]> {
    return repo.zoosByIds(this.db, ids);
  }

  /**
   * The first page of animals of each parent (zoo or owner) in one statement, for batched nested lists;
   * `after` applies to every parent's page.
   */
  async animalsOf(
    parent: 'zooId' | 'ownerId',
    parentIds: readonly string[],
    query: { first?: number | null | undefined; after?: string | null | undefined },
  ): Promise<Map<string, ListPage<AnimalRow>>> {
    return this.nestedPages(
      parentIds,
      query,
      (q) => repo.animalsOfParents(this.db, parent, parentIds, q),
      (a) => (parent === 'zooId' ? a.zooId! : a.ownerId),
      () => repo.countAnimalsOf(this.db, parent, parentIds),
    );
  }

  /** The first page of zoos of each owner in one statement. */
  async zoosOf(
    ownerIds: readonly string[],
    query: { first?: number | null | undefined; after?: string | null | undefined },
  ): Promise<Map<string, ListPage<ZooRow>>> {
    return this.nestedPages(
      ownerIds,
      query,
      (q) => repo.zoosOfOwners(this.db, ownerIds, q),
      (z) => z.ownerId,
      () => repo.countZoosOf(this.db, ownerIds),
    );
  }

  private async nestedPages<T>(
    parentIds: readonly string[],
    query: { first?: number | null | undefined; after?: string | null | undefined },
    fetch: (q: { order: Order; after: ReturnType<typeof decodeCursor>; limit: number }) => Promise<T[]>,
    parentOf: (row: T) => string,
    count: () => Promise<Map<string, number>>,
  ): Promise<Map<string, ListPage<T>>> {
    const limit = pageSize(query.first);
    const after = decodeCursor(DEFAULT_ORDER, query.after);
    const byParent = new Map<string, T[]>();
    for (const row of await fetch({ order: DEFAULT_ORDER, after, limit })) {
      const rows = byParent.get(parentOf(row));
      if (rows) rows.push(row);
      else byParent.set(parentOf(row), [row]);
    }
    // One count statement for all parents, run once and only when a page's totalCount is asked for.
    let counts: Promise<Map<string, number>> | undefined;
    const pages = new Map<string, ListPage<T>>();
    for (const id of parentIds) {
      const total = async () => (await (counts ??= count())).get(id) ?? 0;
      pages.set(id, pageOf(byParent.get(id) ?? [], limit, DEFAULT_ORDER, after !== undefined, total));
    }
    return pages;
  }

  async createAnimal(principal: Principal, raw: unknown): Promise<AnimalRow> {
    const input: CreateAnimal = assertValid(CreateAnimalInput, raw, 'input');
    return this.db.transaction(async (tx) => {
      if (input.zooId) await this.zooForMove(tx, principal, input.zooId, 'input.zooId');
      return repo.insertAnimal(tx, {
        id: newId(),
        name: input.name,
        species: input.species ?? null,
        birthDate: input.birthDate ?? null,
        description: input.description ?? null,
        ownerId: principal.account.id,
        zooId: input.zooId ?? null,
      });
    });
  }

  async updateAnimal(principal: Principal, id: string, raw: unknown): Promise<AnimalRow> {
    const input = assertValid(UpdateAnimalInput, raw, 'input');
    return this.db.transaction(async (tx) => {
      await this.ownedAnimal(tx, principal, id);
      const values: Parameters<typeof repo.updateAnimal>[2] = {};
      if (input.name !== undefined) values.name = input.name;
      if (input.species !== undefined) values.species = input.species;
      if (input.birthDate !== undefined) values.birthDate = input.birthDate;
      if (input.description !== undefined) values.description = input.description;
      return repo.updateAnimal(tx, id, values);
    });
  }

  async deleteAnimal(principal: Principal, id: string): Promise<void> {
    const hashes = await this.db.transaction(async (tx) => {
      await this.ownedAnimal(tx, principal, id);
      const names = await this.images.hashesOfAnimal(tx, id);
      await repo.deleteAnimal(tx, id);
      return names;
    });
    await this.images.sweep(hashes);
  }

  async moveAnimal(principal: Principal, animalId: string, zooId: string | null): Promise<AnimalRow> {
    return this.db.transaction(async (tx) => {
      await this.ownedAnimal(tx, principal, animalId);
      if (zooId) await this.zooForMove(tx, principal, zooId, 'zooId');
      return repo.updateAnimal(tx, animalId, { zooId });
    });
  }

  async transferAnimal(principal: Principal, animalId: string, userId: string): Promise<AnimalRow> {
    return this.db.transaction(async (tx) => {
      await this.ownedAnimal(tx, principal, animalId);
      await this.liveAccount(tx, userId);
      return repo.updateAnimal(tx, animalId, { ownerId: userId });
    });
  }

  async addImage(principal: Principal, animalId: string, bytes: Buffer): Promise<ImageRow> {
    const animal = await repo.findAnimal(this.db, animalId);
    if (!animal) throw notFound('animal');
    if (!canActFor(principal, animal.ownerId)) throw notYours('animal');
    return this.images.store({ ownerId: animal.ownerId, purpose: 'animal', animalId, bytes }, async (tx) => {
      // Checked again under lock: the animal may have been deleted or transferred during processing.
      const locked = await repo.findAnimal(tx, animalId, true);
      if (!locked) throw notFound('animal');
      if (!canActFor(principal, locked.ownerId)) throw notYours('animal');
      return [];
    });
  }

  async createZoo(principal: Principal, raw: unknown): Promise<ZooRow> {
    const input = assertValid(ZooInput, raw, 'input');
    return this.uniqueName(input.name, () =>
      this.db.transaction(async (tx) => {
        if (await repo.zooNameTaken(tx, input.name)) throw zooNameTaken();
        return repo.insertZoo(tx, { id: newId(), name: input.name, ownerId: principal.account.id });
      }),
    );
  }

  async updateZoo(principal: Principal, id: string, raw: unknown): Promise<ZooRow> {
    const input = assertValid(ZooInput, raw, 'input');
    return this.uniqueName(input.name, () =>
      this.db.transaction(async (tx) => {
        await this.ownedZoo(tx, principal, id);
        if (await repo.zooNameTaken(tx, input.name, id)) throw zooNameTaken();
        return repo.updateZoo(tx, id, { name: input.name });
      }),
    );
  }

  /** Its animals stay, without a zoo (`on delete set null`). */
  async deleteZoo(principal: Principal, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.ownedZoo(tx, principal, id);
      await repo.deleteZoo(tx, id);
    });
  }

  async transferZoo(principal: Principal, zooId: string, userId: string): Promise<ZooRow> {
    return this.db.transaction(async (tx) => {
      await this.ownedZoo(tx, principal, zooId);
      await this.liveAccount(tx, userId);
      return repo.updateZoo(tx, zooId, { ownerId: userId });
    });
  }

  /** `account.deleted`: the account's animals, zoos and images go in the deleting transaction. */
  async deleteAccountData(tx: Tx, accountId: string): Promise<void> {
    const hashes = await this.images.deleteAllOf(tx, accountId);
    await repo.deleteOwnedBy(tx, accountId);
    await this.images.sweepLater(tx, hashes);
  }

  private async ownedAnimal(tx: Tx, principal: Principal, id: string): Promise<AnimalRow> {
    const animal = await repo.findAnimal(tx, id, true);
    if (!animal) throw notFound('animal');
    if (!canActFor(principal, animal.ownerId)) throw notYours('animal');
    return animal;
  }

  private async ownedZoo(tx: Tx, principal: Principal, id: string): Promise<ZooRow> {
    const zoo = await repo.findZoo(tx, id, true);
    if (!zoo) throw notFound('zoo');
    if (!canActFor(principal, zoo.ownerId)) throw notYours('zoo');
    return zoo;
  }

  private async zooForMove(tx: Tx, principal: Principal, zooId: string, argument: string): Promise<ZooRow> {
    // Shared lock: the zoo cannot be deleted or transferred until the move commits.
    const zoo = await repo.findZoo(tx, zooId, true);
    if (!zoo)
      throw new AppError('NOT_FOUND', 'The zoo does not exist.', {
        errors: [{ path: argument, message: 'no such zoo' }],
      });
    if (!canActFor(principal, zoo.ownerId))
      throw forbidden("Only the zoo's owner may put an animal into it.");
    return zoo;
  }

  private async liveAccount(tx: Tx, id: string): Promise<void> {
    const [row] = await tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.id, id), eq(accounts.isActive, true), isNull(accounts.deletedAt)));
    if (!row) throw notFound('user');
  }

  /** Two racing creations of one name: the unique index decides, and the loser gets the same 409. */
  private async uniqueName<T>(_name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error, 'zoos_name_lower_idx')) throw zooNameTaken();
      throw error;
    }
  }
}

const zooNameTaken = () =>
  new AppError('CONFLICT', 'A zoo with this name exists already.', {
    errors: [{ path: 'input.name', message: 'is taken (names compare case-insensitively)' }],
  });
