import { Type } from 'typebox';
import { SafeString } from '../../../core/http/schemas.ts';
import { Email, Password } from '../auth.schemas.ts';

// A token is 43 base64url characters; the bound only keeps junk out, a wrong token is told apart later.
const Token = SafeString({ minLength: 1, maxLength: 256, description: 'The token from the mailed link' });

export const VerifyEmailBody = Type.Object(
  { token: Token },
  { $id: 'VerifyEmailRequest', additionalProperties: false },
);

export const ResendVerificationBody = Type.Object(
  {
    email: Type.Optional(
      SafeString({
        format: 'email',
        maxLength: 254,
        description: 'Required without a credential; ignored with one',
      }),
    ),
  },
  { $id: 'ResendVerificationRequest', additionalProperties: false },
);

export const ForgotPasswordBody = Type.Object(
  { email: Email },
  { $id: 'ForgotPasswordRequest', additionalProperties: false },
);

export const ResetPasswordBody = Type.Object(
  // The policy is checked in code with the token (and the current password below), so one 422 names both.
  { token: Token, password: Password },
  { $id: 'ResetPasswordRequest', additionalProperties: false },
);

export const ChangePasswordBody = Type.Object(
  {
    current_password: Password,
    new_password: Password,
    revoke_api_keys: Type.Optional(
      Type.Boolean({ default: false, description: 'Also revoke every API key of the account' }),
    ),
  },
  { $id: 'ChangePasswordRequest', additionalProperties: false },
);

/** The answer to a request for mail: the same words whether or not a mail goes out. */
export const MailAccepted = Type.Object(
  { detail: Type.String() },
  { $id: 'MailAccepted', description: 'Accepted; a mail follows if the account exists' },
);
