import type { InferenceSession } from 'onnxruntime-node';
import type { AppContext } from '../../core/context.ts';
import { conflict, forbidden, notFound, validationFailed } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import type { ModelSignature, TensorSpec } from '../../db/schema/models.ts';
import { canActFor, type Principal } from '../auth/index.ts';
import * as repo from './models.repository.ts';
import { openSession, type ModelRuntime, type VersionRef } from './models.runtime.ts';
import { isElementType } from './models.tensors.ts';

export const MODEL_NAME = '^[a-z0-9][a-z0-9._-]{0,62}$';
const NAME = new RegExp(MODEL_NAME);

export interface ModelsDeps {
  readonly ctx: AppContext;
  readonly runtime: ModelRuntime;
}

export interface UploadedFile {
  readonly blobKey: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface UploadFields {
  readonly name?: string;
  readonly version?: string;
  readonly description?: string;
}

function specOf(meta: InferenceSession.ValueMetadata, field: string): TensorSpec {
  if (!meta.isTensor) {
    throw validationFailed(
      [
        {
          path: '/body/file',
          message: `${field} ${meta.name} is not a tensor (a ZipMap or sequence); export the model without ZipMap (skl2onnx: options={'zipmap': False})`,
        },
      ],
      'The model has outputs Bulwark cannot serve.',
    );
  }
  if (!isElementType(meta.type)) {
    throw validationFailed([
      {
        path: '/body/file',
        message: `${field} ${meta.name} has element type ${meta.type}, which is not served`,
      },
    ]);
  }
  // A dimension is a size, a symbolic name, or unknown (-1).
  const shape = meta.shape.map((d) => (typeof d === 'number' || typeof d === 'string' ? d : -1));
  return { name: meta.name, type: meta.type, shape };
}

/** Loads a stored file in onnxruntime: its signature, or a 422 naming `file` when it is not a usable model. */
export async function readSignature(
  bytes: Buffer,
): Promise<{ session: InferenceSession; signature: ModelSignature }> {
  let session: InferenceSession;
  try {
    session = await openSession(bytes);
  } catch (error) {
    const reason = String((error as Error).message ?? error)
      .split('\n')[0]!
      .slice(0, 300);
    throw validationFailed([
      { path: '/body/file', message: `is not an ONNX model onnxruntime can load (${reason})` },
    ]);
  }
  try {
    return {
      session,
      signature: {
        inputs: session.inputMetadata.map((m) => specOf(m, 'input')),
        outputs: session.outputMetadata.map((m) => specOf(m, 'output')),
      },
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}

function checkFields(fields: UploadFields): {
  name: string;
  version: number | undefined;
  description: string | null;
} {
  const errors = [];
  if (!fields.name) errors.push({ path: '/body/name', message: 'is required' });
  else if (!NAME.test(fields.name)) errors.push({ path: '/body/name', message: `must match ${MODEL_NAME}` });
  let version: number | undefined;
  if (fields.version !== undefined) {
    version = /^\d{1,9}$/.test(fields.version) ? Number(fields.version) : NaN;
    if (!(version >= 1)) errors.push({ path: '/body/version', message: 'must be a positive integer' });
  }
  if (
    fields.description !== undefined &&
    (fields.description.length > 2000 ||
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(fields.description))
  )
    errors.push({ path: '/body/description', message: 'must be at most 2000 characters of text' });
  if (errors.length > 0) throw validationFailed(errors);
  return { name: fields.name!, version, description: fields.description ?? null };
}

/**
 * Registers an uploaded file as a new version: fields checked, the model loaded (which warms the cache),
 * the version numbered under the model's lock. The blob is removed on any failure.
 */
export async function registerVersion(
  deps: ModelsDeps,
  principal: Principal,
  file: UploadedFile | undefined,
  fields: UploadFields,
): Promise<{ model: repo.ModelRow; version: repo.VersionRow }> {
  const { ctx, runtime } = deps;
  let opened: InferenceSession | undefined;
  try {
    if (!file) throw validationFailed([{ path: '/body/file', message: 'is required (an ONNX model file)' }]);
    const { name, version, description } = checkFields(fields);
    const bytes = await ctx.storage.get(file.blobKey);
    const { session, signature } = await readSignature(bytes ?? Buffer.alloc(0));
    opened = session;
    const { models: defaults } = ctx.config;
    const result = await ctx.database.db.transaction(async (tx) => {
      let model = await repo.lockModel(tx, name);
      if (model && !canActFor(principal, model.ownerId))
        throw forbidden(`The model ${name} belongs to another account.`);
      model ??= await repo.insertModel(tx, { id: newId(), name, ownerId: principal.account.id, description });
      if (!canActFor(principal, model.ownerId))
        throw forbidden(`The model ${name} belongs to another account.`);
      const number = version ?? (await repo.highestVersion(tx, model.id)) + 1;
      const row = await repo.insertVersion(tx, {
        id: newId(),
        modelId: model.id,
        version: number,
        blobKey: file.blobKey,
        sizeBytes: file.sizeBytes,
        sha256: file.sha256,
        description,
        signature,
        maxBatchSize: defaults.maxBatchSize,
        maxDelayMs: defaults.maxDelayMs,
        maxQueue: defaults.maxQueueRows,
      });
      if (!row) throw conflict(`Version ${number} of ${name} exists already.`);
      return { model, version: row };
    });
    runtime.forget(result.model.name);
    // The session that read the signature warms the cache: the first prediction does not load the file.
    runtime.adopt(refOf(result.model, result.version), session);
    return result;
  } catch (error) {
    await opened?.release().catch(() => {});
    if (file) await ctx.storage.delete(file.blobKey);
    throw error;
  }
}

export const refOf = (model: repo.ModelRow, v: repo.VersionRow): VersionRef => ({
  id: v.id,
  name: model.name,
  version: v.version,
  blobKey: v.blobKey,
  sizeBytes: v.sizeBytes,
  signature: v.signature,
  maxBatchSize: v.maxBatchSize,
  maxDelayMs: v.maxDelayMs,
  maxQueue: v.maxQueue,
});

/** The version a request means: `?version=`, else the production alias, else the latest. */
export async function resolveVersion(
  deps: ModelsDeps,
  name: string,
  version?: number,
): Promise<{ model: repo.ModelRow; version: repo.VersionRow }> {
  // Hot path of every prediction: resolved once a second per process (writes here forget it at once).
  const key = `${name}@${version ?? ''}`;
  const cached = deps.runtime.resolved.get(key);
  if (cached) return cached;
  const db = deps.ctx.database.db;
  const model = await repo.findModel(db, name);
  if (!model) throw notFound('model');
  const wanted = version ?? model.productionVersion ?? undefined;
  const row =
    wanted === undefined
      ? await repo.latestVersion(db, model.id)
      : await repo.findVersion(db, model.id, wanted);
  if (!row) throw notFound('model version');
  return deps.runtime.resolved.set(key, { model, version: row });
}

/** A model the principal may change (owner or admin); others' are 403 (models are readable by all). */
async function ownModel(ctx: AppContext, principal: Principal, name: string): Promise<repo.ModelRow> {
  const model = await repo.findModel(ctx.database.db, name);
  if (!model) throw notFound('model');
  if (!canActFor(principal, model.ownerId)) throw forbidden(`The model ${name} belongs to another account.`);
  return model;
}

export async function setAlias(deps: ModelsDeps, principal: Principal, name: string, version: number) {
  const model = await ownModel(deps.ctx, principal, name);
  const row = await repo.findVersion(deps.ctx.database.db, model.id, version);
  if (!row) throw validationFailed([{ path: '/body/version', message: `${name} has no version ${version}` }]);
  await repo.setProduction(deps.ctx.database.db, model.id, version);
  deps.runtime.forget(name);
}

export async function patchVersion(
  deps: ModelsDeps,
  principal: Principal,
  name: string,
  version: number,
  changes: { max_batch_size?: number; max_delay_ms?: number; max_queue?: number },
) {
  const model = await ownModel(deps.ctx, principal, name);
  const row = await repo.findVersion(deps.ctx.database.db, model.id, version);
  if (!row) throw notFound('model version');
  const updated = await repo.updateVersion(deps.ctx.database.db, row.id, {
    maxBatchSize: changes.max_batch_size ?? row.maxBatchSize,
    maxDelayMs: changes.max_delay_ms ?? row.maxDelayMs,
    maxQueue: changes.max_queue ?? row.maxQueue,
  });
  deps.runtime.forget(name);
  deps.runtime.batcher(refOf(model, updated!));
  return { model, version: updated! };
}

/**
 * Deletes a version: its session unloaded, its file removed (each version has its own). The production
 * version cannot go while the alias points at it (409); the last version takes the model with it.
 */
export async function deleteVersion(deps: ModelsDeps, principal: Principal, name: string, version: number) {
  const { ctx, runtime } = deps;
  const removed = await ctx.database.db.transaction(async (tx) => {
    const model = await repo.lockModel(tx, name);
    if (!model) throw notFound('model');
    if (!canActFor(principal, model.ownerId))
      throw forbidden(`The model ${name} belongs to another account.`);
    const row = await repo.findVersion(tx, model.id, version);
    if (!row) throw notFound('model version');
    if (model.productionVersion === version)
      throw conflict(`Version ${version} is production; move the alias before deleting it.`);
    await repo.deleteVersion(tx, row.id);
    if ((await repo.highestVersion(tx, model.id)) === 0) await repo.deleteModel(tx, model.id);
    return row;
  });
  runtime.unload(removed.id);
  runtime.forget(name);
  await ctx.storage.delete(removed.blobKey);
}
