import { AppError, notFound, validationFailed, type FieldError } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import { enqueue } from '../../core/jobs/queue.ts';
import type { Job } from '../../core/jobs/worker.ts';
import type { ModelSignature, TensorSpec } from '../../db/schema/models.ts';
import { actsAsAdmin, type Principal } from '../auth/index.ts';
import * as jobs from './models.jobs.repository.ts';
import type { PredictDeps } from './models.predict.ts';
import { refOf, resolveVersion } from './models.service.ts';
import { fromNested, fromOrtTensor, sliceRows, toNested, toOrtTensor } from './models.tensors.ts';
import * as repo from './models.repository.ts';
import type { VersionRef } from './models.runtime.ts';

export const JOB_QUEUE = 'models.job';
type Row = Record<string, unknown>;

const batchable = (signature: ModelSignature) =>
  [...signature.inputs, ...signature.outputs].every(
    (t) => t.shape.length > 0 && (typeof t.shape[0] === 'string' || t.shape[0] === -1),
  );

/** A row's value has the input's shape without its batch dimension (or the whole shape when it has none). */
const rowSpec = (spec: TensorSpec, batched: boolean): TensorSpec =>
  batched ? { ...spec, shape: spec.shape.slice(1) } : spec;

function checkRows(signature: ModelSignature, rows: readonly Row[]): void {
  const batched = batchable(signature);
  const errors: FieldError[] = [];
  for (const [i, row] of rows.entries()) {
    for (const spec of signature.inputs) {
      const path = `/body/inputs/${i}/${spec.name}`;
      if (row[spec.name] === undefined) errors.push({ path, message: `input ${spec.name} is missing` });
      else {
        const checked = fromNested(row[spec.name], rowSpec(spec, batched));
        if (typeof checked === 'string') errors.push({ path, message: `input ${spec.name} ${checked}` });
      }
    }
    for (const name of Object.keys(row))
      if (!signature.inputs.some((s) => s.name === name))
        errors.push({ path: `/body/inputs/${i}/${name}`, message: `the model has no input ${name}` });
    if (errors.length >= 20) break;
  }
  if (errors.length > 0) throw validationFailed(errors, 'Some rows do not fit the model’s signature.');
}

/** Validates every row, stores them, and queues the job in the same transaction as its row. */
export async function createJob(
  deps: PredictDeps,
  principal: Principal,
  name: string,
  version: number | undefined,
  rows: readonly Row[],
): Promise<string> {
  const { ctx } = deps;
  await deps.access.check(principal, name);
  const resolved = await resolveVersion(deps, name, version);
  checkRows(resolved.version.signature, rows);
  await purge(deps);
  const id = newId();
  const inputsKey = `model-jobs/${id}.json`;
  await ctx.storage.put(inputsKey, Buffer.from(JSON.stringify(rows)));
  try {
    await ctx.database.db.transaction(async (tx) => {
      await jobs.insertJob(tx, {
        id,
        ownerId: principal.account.id,
        modelName: resolved.model.name,
        versionId: resolved.version.id,
        version: resolved.version.version,
        total: rows.length,
        inputsKey,
        expiresAt: new Date(Date.now() + ctx.config.models.jobResultTtlSeconds * 1000),
      });
      await enqueue(tx, JOB_QUEUE, { jobId: id }, { maxAttempts: 10 });
    });
  } catch (error) {
    await ctx.storage.delete(inputsKey);
    throw error;
  }
  return id;
}

/** A job the principal may see: its own (or any, as an admin); others' are 404. */
export async function visibleJob(deps: PredictDeps, principal: Principal, id: string): Promise<jobs.JobRow> {
  const row = await jobs.findJob(deps.ctx.database.db, id);
  const expired = row && row.finishedAt && row.expiresAt.getTime() < Date.now();
  if (!row || expired || (row.ownerId !== principal.account.id && !actsAsAdmin(principal)))
    throw notFound('job');
  return row;
}

export async function jobView(deps: PredictDeps, row: jobs.JobRow) {
  return {
    id: row.id,
    model: row.modelName,
    version: row.version,
    status: row.status,
    progress: { done: row.done, total: row.total },
    ...(row.status === 'succeeded' ? { outputs: await jobs.outputsOf(deps.ctx.database.db, row.id) } : {}),
    ...(row.error ? { error: row.error } : {}),
    created_at: row.createdAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}

/** Cancels an active job; a finished one is deleted with its results. */
export async function cancelJob(deps: PredictDeps, principal: Principal, id: string): Promise<void> {
  const row = await visibleJob(deps, principal, id);
  const ttl = deps.ctx.config.models.jobResultTtlSeconds * 1000;
  const cancelled = await jobs.finishJob(
    deps.ctx.database.db,
    row.id,
    'cancelled',
    new Date(Date.now() + ttl),
  );
  if (!cancelled) await jobs.deleteJob(deps.ctx.database.db, row.id);
  await deps.ctx.storage.delete(row.inputsKey);
}

async function purge(deps: PredictDeps): Promise<void> {
  for (const key of await jobs.purgeExpired(deps.ctx.database.db)) await deps.ctx.storage.delete(key);
}

/** One chunk of rows through the session: stacked along the batch dimension, or one row at a time. */
async function runChunk(deps: PredictDeps, ref: VersionRef, rows: readonly Row[]): Promise<Row[]> {
  const session = await deps.runtime.session(ref);
  const { signature } = ref;
  if (batchable(signature)) {
    const feeds = Object.fromEntries(
      signature.inputs.map((spec) => {
        const values = rows.map((r) => r[spec.name]);
        const first = fromNested(values, spec);
        if (typeof first === 'string') throw new AppError('VALIDATION_FAILED', `input ${spec.name} ${first}`);
        return [spec.name, toOrtTensor(spec.type, first.dims, [first.flat])];
      }),
    );
    const results = await session.run(feeds);
    const plain = Object.entries(results).map(([name, t]) => [name, fromOrtTensor(t)] as const);
    return rows.map((_, i) =>
      Object.fromEntries(plain.map(([name, t]) => [name, (toNested(sliceRows(t, i, 1)) as unknown[])[0]])),
    );
  }
  const out: Row[] = [];
  for (const row of rows) {
    const feeds = Object.fromEntries(
      signature.inputs.map((spec) => {
        const prepared = fromNested(row[spec.name], spec);
        if (typeof prepared === 'string')
          throw new AppError('VALIDATION_FAILED', `input ${spec.name} ${prepared}`);
        return [spec.name, toOrtTensor(spec.type, prepared.dims, [prepared.flat])];
      }),
    );
    const results = await session.run(feeds);
    out.push(
      Object.fromEntries(Object.entries(results).map(([name, t]) => [name, toNested(fromOrtTensor(t))])),
    );
  }
  return out;
}

/**
 * The job handler: runs the rows chunk by chunk, each chunk's outputs and the progress written together,
 * so a job interrupted by a restart resumes after its last written chunk. Cancellation is seen between
 * chunks; so is a shutdown, which hands the job back to the queue.
 */
export function jobHandler(deps: PredictDeps) {
  return async (job: Job<{ jobId: string }>) => {
    const { ctx } = deps;
    const db = ctx.database.db;
    const row = await jobs.findJob(db, job.payload.jobId);
    if (!row || !['queued', 'running'].includes(row.status)) return { skipped: true };
    const ttl = ctx.config.models.jobResultTtlSeconds * 1000;
    const fail = async (message: string) => {
      await jobs.finishJob(db, row.id, 'failed', new Date(Date.now() + ttl), message);
      await ctx.storage.delete(row.inputsKey);
      return { failed: message };
    };
    const model = await repo.findModel(db, row.modelName);
    const version = model && (await repo.findVersion(db, model.id, row.version));
    if (!model || !version || version.id !== row.versionId) return fail('The model version was deleted.');
    const bytes = await ctx.storage.get(row.inputsKey);
    if (!bytes) return fail('The job’s inputs are gone.');
    const rows = JSON.parse(bytes.toString('utf8')) as Row[];
    const size = ctx.config.models.jobChunkRows;
    const from = await jobs.chunkCount(db, row.id);
    const ref = refOf(model, version);
    for (let chunk = from; chunk * size < rows.length; chunk++) {
      if (deps.runtime.stopping) throw new Error('interrupted by a shutdown; resumes at the next start');
      const part = rows.slice(chunk * size, (chunk + 1) * size);
      let outputs: Row[];
      try {
        outputs = await runChunk(deps, ref, part);
      } catch (error) {
        return fail(
          `Rows ${chunk * size}..${chunk * size + part.length - 1}: ${(error as Error).message.slice(0, 500)}`,
        );
      }
      const saved = await jobs.saveChunk(
        db,
        row.id,
        chunk,
        outputs,
        Math.min(rows.length, (chunk + 1) * size),
      );
      if (!saved) return { cancelled: true };
      await deps.runtime.afterChunk?.(row.id, chunk);
    }
    await jobs.finishJob(db, row.id, 'succeeded', new Date(Date.now() + ttl));
    await ctx.storage.delete(row.inputsKey);
    return { resumedFromChunk: from };
  };
}
