import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../../core/db/database.ts';
import { enqueue } from '../../../core/jobs/queue.ts';
import type { JobWorker } from '../../../core/jobs/worker.ts';
import { jobs } from '../../../db/schema/jobs.ts';
import type { AuthRuntime } from '../auth.service.ts';
import { issueReset } from './passwords.service.ts';
import { resendByEmail } from './verification.service.ts';

/** Queues whose jobs look an email up and mail its account, if any. */
export const RESET_QUEUE = 'auth.password_reset';
export const RESEND_QUEUE = 'auth.verify_email_resend';

interface EmailPayload {
  readonly email: string;
}

/**
 * Defers the lookup of an anonymous request's email to a job, so that the request does the same work
 * (one insert) and takes the same time whether or not an account has that address. While a job for the
 * same address waits, another is not added.
 */
export async function enqueueForEmail(db: DbOrTx, queue: string, email: string): Promise<void> {
  const payload: EmailPayload = { email };
  await enqueue(db, queue, payload, { singletonKey: email.toLowerCase(), maxAttempts: 5 });
}

/** Deletes the jobs that carried this address (the erasure of a deleted account). */
export async function forgetEmail(db: DbOrTx, email: string): Promise<void> {
  const key = email.toLowerCase();
  await db
    .delete(jobs)
    .where(and(inArray(jobs.queue, [RESET_QUEUE, RESEND_QUEUE]), eq(jobs.singletonKey, key)));
}

/** Registers the handlers of both queues on the worker; each returns what it did (kept on the job row). */
export function registerRecoveryJobs(worker: JobWorker, rt: AuthRuntime): void {
  worker.register<EmailPayload>(RESET_QUEUE, async (job) => ({
    outcome: await issueReset(rt, job.payload.email),
  }));
  worker.register<EmailPayload>(RESEND_QUEUE, async (job) => ({
    outcome: await resendByEmail(rt, job.payload.email),
  }));
}
