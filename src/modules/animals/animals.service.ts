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
