import type { FastifyInstance } from 'fastify';
import { createLimiter } from '../../../core/rate-limit/limiter.ts';
import type {} from '../auth.module.ts';
import { AddressLimit } from './address-limit.ts';
import { deleteForAccount } from './account-tokens.repository.ts';
import { forgetEmail, registerRecoveryJobs } from './recovery.jobs.ts';
import { recoveryRoutes } from './recovery.routes.ts';
import { sendVerificationMail } from './verification.service.ts';

/** Anonymous requests for mail allowed per client address (forgot + public resend, together). */
export const ADDRESS_LIMIT = { max: 10, windowSeconds: 15 * 60 };

/**
 * Email verification and password recovery: mails the verification link in the registration's
 * transaction, erases tokens with a deleted account, registers the jobs that answer anonymous requests
 * for mail, and the routes. Call after the auth module and before the app is ready.
 * @example await registerRecovery(app) // in buildApp's modules section, after registerMail(app)
 */
export async function registerRecovery(app: FastifyInstance): Promise<void> {
  const { events, worker, redis, config } = app.ctx;
  const { rt } = app.auth;
  events.on('account.registered', (tx, event) =>
    sendVerificationMail(tx, rt, { id: event.accountId, email: event.email, name: event.name }),
  );
  // Erasure: the tombstone of a deleted account keeps no token rows, nor jobs naming its address.
  events.on('account.deleted', async (tx, event) => {
    await deleteForAccount(tx, event.accountId);
    if (event.email) await forgetEmail(tx, event.email);
  });
  registerRecoveryJobs(worker, rt);
  const limit = new AddressLimit(createLimiter(redis, 'recovery', ADDRESS_LIMIT, config.rateLimit));
  await app.register(recoveryRoutes, { limit });
}
