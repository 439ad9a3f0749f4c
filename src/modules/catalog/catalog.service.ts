import type { Db } from '../../core/db/database.ts';
import { isUniqueViolation } from '../../core/db/errors.ts';
import { AppError, conflict, notFound, validationFailed } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import * as repo from './catalog.repository.ts';
import type { ItemInput, SuggestionInput } from './catalog.schemas.ts';
import { itemValues } from './catalog.view.ts';

/** Creates items in one transaction: all or none (a duplicate `external_id`, here or stored, is a 409). */
export async function createItems(db: Db, inputs: ItemInput[]): Promise<repo.ItemRecord[]> {
  const seen = new Map<string, number>();
  inputs.forEach((input, index) => {
    if (input.external_id === undefined) return;
    const first = seen.get(input.external_id);
    if (first !== undefined)
      throw validationFailed([
        { path: `/body/${index}/external_id`, message: `repeats item ${first}'s external_id` },
      ]);
    seen.set(input.external_id, index);
  });
  try {
    return await db.transaction(async (tx) => {
      const taken = await repo.existingExternalIds(tx, [...seen.keys()]);
      if (taken.length > 0) throw externalIdTaken(taken);
      return repo.insertItems(
        tx,
        inputs.map((input) => ({ id: newId(), ...itemValues(input) })),
      );
    });
  } catch (error) {
    // Two requests racing for the same external_id: the loser's insert fails on the unique index.
    if (isUniqueViolation(error)) throw externalIdTaken([]);
    throw error;
  }
}

const externalIdTaken = (ids: string[]) =>
  conflict(
    ids.length > 0
      ? `An item with external_id ${JSON.stringify(ids[0])} exists already (import to update it).`
      : 'An item with this external_id exists already (import to update it).',
  );

export async function getItem(db: Db, id: string): Promise<repo.ItemRecord> {
  const item = await repo.findItem(db, id);
  if (!item) throw notFound('item');
  return item;
}

export async function suggest(
  db: Db,
  accountId: string,
  input: SuggestionInput,
): Promise<repo.SuggestionRow> {
  return repo.insertSuggestion(db, {
    id: newId(),
    accountId,
    kind: input.kind,
    title: input.title,
    description: input.description ?? null,
    genres: input.genres ?? [],
    year: input.year ?? null,
    attributes: input.attributes ?? null,
    note: input.note ?? null,
  });
}

/** Accepts a pending suggestion: the item is created and the suggestion points at it, in one transaction. */
export async function acceptSuggestion(
  db: Db,
  adminId: string,
  id: string,
): Promise<{ item: repo.ItemRecord; suggestion: repo.SuggestionRow }> {
  return db.transaction(async (tx) => {
    const suggestion = await pendingSuggestion(tx, id);
    const [item] = await repo.insertItems(tx, [
      {
        id: newId(),
        kind: suggestion.kind,
        title: suggestion.title,
        description: suggestion.description,
        genres: suggestion.genres,
        year: suggestion.year,
        attributes: suggestion.attributes,
      },
    ]);
    const decided = await repo.decideSuggestion(tx, id, {
      status: 'accepted',
      itemId: item!.id,
      decidedBy: adminId,
    });
    return { item: item!, suggestion: decided };
  });
}

export async function declineSuggestion(db: Db, adminId: string, id: string): Promise<repo.SuggestionRow> {
  return db.transaction(async (tx) => {
    await pendingSuggestion(tx, id);
    return repo.decideSuggestion(tx, id, { status: 'declined', decidedBy: adminId });
  });
}

/** The suggestion, locked; 404 when absent, 409 once decided (accepting twice must not make two items). */
async function pendingSuggestion(
  tx: Parameters<typeof repo.findSuggestionForUpdate>[0],
  id: string,
): Promise<repo.SuggestionRow> {
  const suggestion = await repo.findSuggestionForUpdate(tx, id);
  if (!suggestion) throw notFound('suggestion');
  if (suggestion.status !== 'pending')
    throw new AppError('CONFLICT', `The suggestion was ${suggestion.status} already.`);
  return suggestion;
}
