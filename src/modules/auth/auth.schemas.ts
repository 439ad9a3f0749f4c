import { Type } from 'typebox';
import { Email, NewPassword, SafeString, SecretString } from '../../core/http/schemas.ts';

export { Email, NewPassword };
// A password to check (sign-in, current password): any length an old system may have allowed.
export const Password = SecretString({ minLength: 1, maxLength: 1024 });
// Ours are 43 characters; the bound only keeps junk out, the same on /token and /refresh.
const RefreshToken = SafeString({ minLength: 1, maxLength: 512 });

export const RegisterBody = Type.Object(
  { email: Email, password: NewPassword, name: Type.Optional(SafeString({ minLength: 1, maxLength: 200 })) },
  { $id: 'RegisterRequest', additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Type.Optional(SafeString({ maxLength: 254 })),
    username: Type.Optional(
      SafeString({ maxLength: 254, description: 'Alias of email (OAuth2 form clients)' }),
    ),
    password: Password,
  },
  { $id: 'LoginRequest' },
);

export const TokenBody = Type.Object(
  {
    grant_type: Type.Optional(
      SafeString({ maxLength: 64, description: '`password` (default) or `refresh_token`' }),
    ),
    username: Type.Optional(SafeString({ maxLength: 254, description: 'The email, for the password grant' })),
    password: Type.Optional(Password),
    scope: Type.Optional(
      SafeString({
        maxLength: 1024,
        description: 'Space-separated scopes (default: all the account may have)',
      }),
    ),
    refresh_token: Type.Optional(RefreshToken),
  },
  { $id: 'TokenRequest' },
);

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer(),
    refresh_token: Type.String(),
    scope: Type.String(),
  },
  { $id: 'TokenResponse' },
);

export const OAuthError = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { $id: 'OAuthError', description: 'RFC 6749 §5.2 error' },
);

export const RefreshBody = Type.Object({ refresh_token: RefreshToken }, { $id: 'RefreshRequest' });

export const Me = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(Type.String()),
    email_verified: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    auth_method: Type.Union([
      Type.Literal('bearer'),
      Type.Literal('api_key'),
      Type.Literal('session'),
      Type.Literal('basic'),
    ]),
    scopes: Type.Array(Type.String()),
  },
  { $id: 'Principal' },
);

export const SessionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Union([Type.Literal('token'), Type.Literal('cookie')]),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.String({ format: 'date-time' }),
    expires_at: Type.String({ format: 'date-time' }),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean(),
  },
  { $id: 'Session' },
);

export const SessionList = Type.Object(
  { items: Type.Array(Type.Ref('Session')), next_cursor: Type.Null() },
  { $id: 'SessionList' },
);

export const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        { kid: Type.String(), kty: Type.String(), alg: Type.String() },
        { additionalProperties: true },
      ),
    ),
  },
  { $id: 'JWKS' },
);
