import { asc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../core/context.ts';
import { accountTokens } from '../../../db/schema/account-tokens.ts';
import type { AuthRuntime } from '../auth.service.ts';
import type { createGuard } from '../auth.guard.ts';
import { createLimiter } from '../../../core/rate-limit/limiter.ts';
import { AddressLimit } from './address-limit.ts';
import { deleteForAccount, purgeSpentTokens } from './account-tokens.repository.ts';
import { notifyEmailChanged, requestEmailChange } from './email-change.service.ts';
import { forgetEmail, registerRecoveryJobs } from './recovery.jobs.ts';
import { recoveryRoutes } from './recovery.routes.ts';
import { sendVerificationMail } from './verification.service.ts';

/** Anonymous requests for mail allowed per client address (forgot + public resend, together). */
export const ADDRESS_LIMIT = { max: 10, windowSeconds: 15 * 60 };

/**
 * Email verification and password recovery: mails the verification link in the registration's
 * transaction, the confirmation link and notices of email changes, erases tokens with a deleted account, registers the jobs that answer anonymous requests
 * for mail, the routes, and the `email_tokens` section of the account export. Part of the auth module.
 * @example await registerRecovery(app, ctx, rt, guard) // in authModule's plugin
 */
export async function registerRecovery(
  app: FastifyInstance,
  ctx: AppContext,
  rt: AuthRuntime,
  guard: ReturnType<typeof createGuard>,
): Promise<void> {
  const { events, worker, redis, config, exports } = ctx;
  events.on('account.registered', (tx, event) =>
    sendVerificationMail(tx, rt, { id: event.accountId, email: event.email, name: event.name }),
  );
  // Email changes: the account's own waits for a mailed link; either way the old address is told.
  events.on('account.email_change_requested', (tx, event) =>
    requestEmailChange(tx, rt, { id: event.accountId, email: event.email, name: event.name }, event.newEmail),
  );
  events.on('account.email_changed', (tx, event) => {
    const previous = { id: event.accountId, email: event.previousEmail, name: event.name };
    return notifyEmailChanged(tx, rt, previous, event.newEmail, { at: new Date(), byAdmin: event.byAdmin });
  });
  // Erasure: the tombstone of a deleted account keeps no token rows, nor jobs naming its address.
  events.on('account.deleted', async (tx, event) => {
    await deleteForAccount(tx, event.accountId);
    if (event.email) await forgetEmail(tx, event.email);
  });
  registerRecoveryJobs(worker, rt);
  ctx.housekeeping.register('account_tokens', purgeSpentTokens);
  const limit = new AddressLimit(createLimiter(redis, 'recovery', ADDRESS_LIMIT, config.rateLimit));
  // Verification and reset links sent: when, to where, whether used (the tokens are stored hashed only).
  exports.register('email_tokens', (db, id) =>
    db
      .select({
        id: accountTokens.id,
        purpose: accountTokens.purpose,
        email: accountTokens.email,
        created_at: accountTokens.createdAt,
        expires_at: accountTokens.expiresAt,
        used_at: accountTokens.usedAt,
      })
      .from(accountTokens)
      .where(eq(accountTokens.accountId, id))
      .orderBy(asc(accountTokens.createdAt), asc(accountTokens.id)),
  );
  await app.register(recoveryRoutes, { limit, rt, guard });
}
