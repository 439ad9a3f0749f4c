import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../core/db/database.ts';
import { modelJobChunks, modelJobs } from '../../db/schema/models.ts';

export type JobRow = typeof modelJobs.$inferSelect;
const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

export async function insertJob(db: DbOrTx, row: typeof modelJobs.$inferInsert): Promise<void> {
  await db.insert(modelJobs).values(row);
}

export async function findJob(db: DbOrTx, id: string): Promise<JobRow | undefined> {
  const [row] = await db.select().from(modelJobs).where(eq(modelJobs.id, id)).limit(1);
  return row;
}

/** Chunks already written: a restarted job continues after them. */
export async function chunkCount(db: DbOrTx, jobId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(modelJobChunks)
    .where(eq(modelJobChunks.jobId, jobId));
  return Number(row?.n ?? 0);
}

/** Writes one chunk's outputs and the progress together, unless the job was cancelled meanwhile. */
export async function saveChunk(
  db: DbOrTx,
  jobId: string,
  chunk: number,
  outputs: unknown[],
  done: number,
): Promise<boolean> {
  const updated = await db
    .update(modelJobs)
    .set({ done, status: 'running' })
    .where(and(eq(modelJobs.id, jobId), inArray(modelJobs.status, ['queued', 'running'])))
    .returning({ id: modelJobs.id });
  if (updated.length === 0) return false;
  await db.insert(modelJobChunks).values({ jobId, chunk, outputs }).onConflictDoNothing();
  return true;
}

export async function outputsOf(db: DbOrTx, jobId: string): Promise<Record<string, unknown>[]> {
  const rows = await db
    .select({ outputs: modelJobChunks.outputs })
    .from(modelJobChunks)
    .where(eq(modelJobChunks.jobId, jobId))
    .orderBy(asc(modelJobChunks.chunk));
  return rows.flatMap((r) => r.outputs as Record<string, unknown>[]);
}

/** Moves an active job to a final status; false when it had already finished (or was cancelled). */
export async function finishJob(
  db: DbOrTx,
  id: string,
  status: (typeof FINISHED)[number],
  expiresAt: Date,
  error: string | null = null,
): Promise<boolean> {
  const rows = await db
    .update(modelJobs)
    .set({ status, error, finishedAt: new Date(), expiresAt })
    .where(and(eq(modelJobs.id, id), inArray(modelJobs.status, ['queued', 'running'])))
    .returning({ id: modelJobs.id });
  return rows.length > 0;
}

export async function deleteJob(db: DbOrTx, id: string): Promise<void> {
  await db.delete(modelJobs).where(eq(modelJobs.id, id));
}

/** Finished jobs past their retention; returns their input blobs (normally gone already). */
export async function purgeExpired(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .delete(modelJobs)
    .where(and(lt(modelJobs.expiresAt, new Date()), inArray(modelJobs.status, [...FINISHED])))
    .returning({ key: modelJobs.inputsKey });
  return rows.map((r) => r.key);
}

/** Deletes an account's jobs (their outputs go with them); returns their input blobs. */
export async function deleteJobsOf(db: DbOrTx, ownerId: string): Promise<string[]> {
  const rows = await db
    .delete(modelJobs)
    .where(eq(modelJobs.ownerId, ownerId))
    .returning({ key: modelJobs.inputsKey });
  return rows.map((r) => r.key);
}
