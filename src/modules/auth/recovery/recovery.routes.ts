import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { validationFailed } from '../../../core/errors/app-error.ts';
import { problemResponses } from '../../../core/http/schemas.ts';
import { Account, toAccountView, UserEnvelope } from '../../accounts/index.ts';
import { principalOf, SECURED, type createGuard } from '../auth.guard.ts';
import type { AuthRuntime } from '../auth.service.ts';
import type { AddressLimit } from './address-limit.ts';
import { changePassword, resetPassword } from './passwords.service.ts';
import { enqueueForEmail, RESEND_QUEUE, RESET_QUEUE } from './recovery.jobs.ts';
import {
  ChangePasswordBody,
  ForgotPasswordBody,
  MailAccepted,
  ResendVerificationBody,
  ResetPasswordBody,
  VerifyEmailBody,
} from './recovery.schemas.ts';
import { resendForAccount, verifyEmail } from './verification.service.ts';

// Fixed words: the anonymous answers must read the same whether or not the account exists.
const RESET_ACCEPTED = 'If an account has this email address, a link to reset its password is on its way.';
const RESEND_ACCEPTED =
  'If an unverified account has this email address, a new verification link is on its way.';
const RESENT = 'A new verification link is on its way; earlier links no longer work.';

interface Options {
  limit: AddressLimit;
  rt: AuthRuntime;
  guard: ReturnType<typeof createGuard>;
}

/** Email verification and password recovery: /v1/auth/verify-email[/resend], /v1/auth/password/*. */
export const recoveryRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { limit, rt, guard }) => {
  // Shared shapes may come from a parent scope one day; adding them again would throw.
  if (!app.getSchema('Account')) app.addSchema(Account);
  if (!app.getSchema('UserEnvelope')) app.addSchema(UserEnvelope);
  const own = [MailAccepted, VerifyEmailBody, ResendVerificationBody, ForgotPasswordBody];
  for (const schema of [...own, ResetPasswordBody, ChangePasswordBody]) app.addSchema(schema);
  const tags = ['auth'];
  const accepted = Type.Ref('MailAccepted');

  app.post(
    '/v1/auth/verify-email',
    {
      schema: {
        tags,
        summary: 'Verify the email address with the token from the mailed link',
        body: VerifyEmailBody,
        response: { 200: UserEnvelope, ...problemResponses(400, 415, 422) },
      },
    },
    async (request) => ({ user: toAccountView(await verifyEmail(rt, request.body.token)) }),
  );

  app.post(
    '/v1/auth/verify-email/resend',
    {
      // A signed-in client has nothing to say: let it send no body at all.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'Send a new verification link: to the signed-in caller, or (without credential) to {email}',
        security: [{}, ...SECURED],
        body: ResendVerificationBody,
        response: { 202: accepted, ...problemResponses(400, 401, 403, 409, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      // A credential is optional, but a bad one is still a 401, never a silent fall back to anonymous.
      const principal = await rt.authenticator.authenticate(request);
      if (principal) {
        await resendForAccount(rt, principal.account.id);
        return reply.code(202).send({ detail: RESENT });
      }
      const email = request.body.email;
      if (!email)
        throw validationFailed([{ path: '/body/email', message: 'is required without a credential' }]);
      await limit.hit(request.ip);
      await enqueueForEmail(rt.db, RESEND_QUEUE, email);
      return reply.code(202).send({ detail: RESEND_ACCEPTED });
    },
  );

  app.post(
    '/v1/auth/password/forgot',
    {
      schema: {
        tags,
        summary: 'Ask for a password-reset link (always 202: never tells whether the account exists)',
        body: ForgotPasswordBody,
        response: { 202: accepted, ...problemResponses(400, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      await limit.hit(request.ip);
      await enqueueForEmail(rt.db, RESET_QUEUE, request.body.email);
      return reply.code(202).send({ detail: RESET_ACCEPTED });
    },
  );

  app.post(
    '/v1/auth/password/reset',
    {
      schema: {
        tags,
        summary: 'Set a new password with the token from the mailed link; ends every session',
        body: ResetPasswordBody,
        response: { 204: Type.Null(), ...problemResponses(400, 415, 422) },
      },
    },
    async (request, reply) => {
      await resetPassword(rt, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/password/change',
    {
      preHandler: guard(),
      schema: {
        tags,
        summary: 'Change my password (needs the current one); ends my other sessions',
        security: SECURED,
        body: ChangePasswordBody,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 409, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      await changePassword(rt, principalOf(request), request.body, request.ip);
      return reply.code(204).send(null);
    },
  );
};
