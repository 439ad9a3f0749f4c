import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

/** One tensor of a model's signature, as read from the ONNX file (`-1`/a name for a dynamic dimension). */
export interface TensorSpec {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface ModelSignature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/** A served model: a name (global, as in Triton), its owner and where `production` points. */
export const models = pgTable('models', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** An account's models are deleted with it (`account.deleted`). */
  ownerId: uuid('owner_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  description: text('description'),
  productionVersion: integer('production_version'),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** One uploaded ONNX file of a model: its blob, signature and batching settings. */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: uuid('id').primaryKey(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    blobKey: text('blob_key').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    description: text('description'),
    signature: jsonb('signature').$type<ModelSignature>().notNull(),
    maxBatchSize: integer('max_batch_size').notNull(),
    maxDelayMs: integer('max_delay_ms').notNull(),
    /** Rows that may wait in this version's queue before 503 (MODEL_MAX_QUEUE at upload; PATCH changes it). */
    maxQueue: integer('max_queue').notNull().default(1000),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('model_versions_model_version_idx').on(t.modelId, t.version)],
);

/** Asynchronous batch predictions; inputs live in blob storage, outputs in `model_job_chunks`. */
export const modelJobs = pgTable(
  'model_jobs',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    modelName: text('model_name').notNull(),
    versionId: uuid('version_id').references(() => modelVersions.id, { onDelete: 'set null' }),
    version: integer('version').notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] })
      .notNull()
      .default('queued'),
    total: integer('total').notNull(),
    done: integer('done').notNull().default(0),
    inputsKey: text('inputs_key').notNull(),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    index('model_jobs_owner_idx').on(t.ownerId),
    index('model_jobs_expires_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} in ('succeeded', 'failed', 'cancelled')`),
  ],
);

/** The outputs of one chunk of a job, written as each chunk finishes so a restarted job resumes after it. */
export const modelJobChunks = pgTable(
  'model_job_chunks',
  {
    jobId: uuid('job_id')
      .notNull()
      .references(() => modelJobs.id, { onDelete: 'cascade' }),
    chunk: integer('chunk').notNull(),
    outputs: jsonb('outputs').$type<unknown[]>().notNull(),
  },
  (t) => [uniqueIndex('model_job_chunks_pk').on(t.jobId, t.chunk)],
);
