import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
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
import { streamRows } from './models.jobs.stream.ts';
import type { VersionRef } from './models.runtime.ts';

export const JOB_QUEUE = 'models.job';
/** Rows a job may hold. */
export const MAX_JOB_ROWS = 100_000;

type Row = Record<string, unknown>;

const batchable = (signature: ModelSignature) =>
  [...signature.inputs, ...signature.outputs].every(
    (t) => t.shape.length > 0 && (typeof t.shape[0] === 'string' || t.shape[0] === -1),
  );

/** A row's value has the input's shape without its batch dimension (or the whole shape when it has none). */
const rowSpec = (spec: TensorSpec, batched: boolean): TensorSpec =>
  batched ? { ...spec, shape: spec.shape.slice(1) } : spec;

/** Adds the problems of row `i` to `errors`: a value for every input, of the input's shape, and no other key. */
function checkRow(
  signature: ModelSignature,
  batched: boolean,
  row: Row,
  i: number,
  errors: FieldError[],
): void {
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
      errors.push({
        path: `/body/inputs/${i}/${name.slice(0, 256)}`,
        message: `the model has no input ${name.slice(0, 256)}`,
      });
}

const MAX_LISTED_ERRORS = 20;

/**
 * Streams the body's rows into storage as NDJSON (one row a line), each validated as it arrives, and queues
 * the job in the same transaction as its row. Memory holds one row at a time, not the body: a 100,000-row
 * job costs what its largest row does. Any problem (up to 20 listed) leaves nothing stored.
 */
export async function createJob(
  deps: PredictDeps,
  principal: Principal,
  name: string,
  version: number | undefined,
  body: AsyncIterable<Buffer | string>,
): Promise<string> {
  const { ctx } = deps;
  await deps.access.check(principal, name);
  const resolved = await resolveVersion(deps, name, version);
  const { signature } = resolved.version;
  const batched = batchable(signature);
  await purge(deps);
  const id = newId();
  const inputsKey = `model-jobs/${id}.ndjson`;
  const out = new PassThrough();
  const stored = ctx.storage.put(inputsKey, out);
  stored.catch(() => {}); // awaited below; a failure before then is the body's, reported instead
  try {
    const errors: FieldError[] = [];
    let total = 0;
    for await (const row of streamRows(body, {
      maxBytes: ctx.config.models.maxJobBytes,
      maxRows: MAX_JOB_ROWS,
    })) {
      if (row === null || typeof row !== 'object' || Array.isArray(row))
        errors.push({ path: `/body/inputs/${total}`, message: 'must be an object' });
      else checkRow(signature, batched, row as Row, total, errors);
      if (errors.length >= MAX_LISTED_ERRORS) break;
      total++;
      // Storage failing while the reader waits for it to drain ends the wait too (stored rejects).
      if (errors.length === 0 && !out.write(`${JSON.stringify(row)}\n`))
        await Promise.race([once(out, 'drain'), stored]);
    }
    if (errors.length > 0)
      throw validationFailed(
        errors.slice(0, MAX_LISTED_ERRORS),
        'Some rows do not fit the model’s signature.',
      );
    out.end();
    await stored;
    await ctx.database.db.transaction(async (tx) => {
      await jobs.insertJob(tx, {
        id,
        ownerId: principal.account.id,
        modelName: resolved.model.name,
        versionId: resolved.version.id,
        version: resolved.version.version,
        total,
        inputsKey,
        expiresAt: new Date(Date.now() + ctx.config.models.jobResultTtlSeconds * 1000),
      });
      await enqueue(tx, JOB_QUEUE, { jobId: id }, { maxAttempts: 10 });
    });
  } catch (error) {
    out.destroy();
    await stored.catch(() => {});
    await ctx.storage.delete(inputsKey);
    throw error;
  }
  return id;
}

/**
 * The rows of a job from `from` on, in chunks of `size`, read from storage as they are needed: NDJSON
 * (one row a line), or a JSON array for jobs queued before the inputs were streamed.
 */
async function* chunksOf(deps: PredictDeps, key: string, from: number, size: number): AsyncGenerator<Row[]> {
  if (key.endsWith('.json')) {
    const bytes = await deps.ctx.storage.get(key);
    if (!bytes) throw new Error('The job’s inputs are gone.');
    const rows = JSON.parse(bytes.toString('utf8')) as Row[];
    for (let at = from * size; at < rows.length; at += size) yield rows.slice(at, at + size);
    return;
  }
  const stream = await deps.ctx.storage.stream(key);
  if (!stream) throw new Error('The job’s inputs are gone.');
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    let index = 0;
    let chunk: Row[] = [];
    for await (const line of lines) {
      if (line === '' || index++ < from * size) continue;
      chunk.push(JSON.parse(line) as Row);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  } finally {
    lines.close();
    stream.destroy();
  }
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
    const size = ctx.config.models.jobChunkRows;
    const from = await jobs.chunkCount(db, row.id);
    const ref = refOf(model, version);
    const parts = chunksOf(deps, row.inputsKey, from, size);
    try {
      for (let chunk = from; ; chunk++) {
        let next: IteratorResult<Row[]>;
        try {
          next = await parts.next();
        } catch (error) {
          return await fail(`The job’s inputs could not be read: ${(error as Error).message.slice(0, 300)}`);
        }
        if (next.done) break;
        const part = next.value;
        if (deps.runtime.stopping) throw new Error('interrupted by a shutdown; resumes at the next start');
        let outputs: Row[];
        try {
          outputs = await runChunk(deps, ref, part);
        } catch (error) {
          return await fail(
            `Rows ${chunk * size}..${chunk * size + part.length - 1}: ${(error as Error).message.slice(0, 500)}`,
          );
        }
        const saved = await jobs.saveChunk(
          db,
          row.id,
          chunk,
          outputs,
          Math.min(row.total, chunk * size + part.length),
        );
        if (!saved) return { cancelled: true };
        await deps.runtime.afterChunk?.(row.id, chunk);
      }
    } finally {
      // Closes the inputs' stream when the loop ends early.
      await parts.return(undefined);
    }
    await jobs.finishJob(db, row.id, 'succeeded', new Date(Date.now() + ttl));
    await ctx.storage.delete(row.inputsKey);
    return { resumedFromChunk: from };
  };
}
