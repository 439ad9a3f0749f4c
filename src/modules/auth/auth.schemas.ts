import { Type } from 'typebox';

export const Email = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'Compared case-insensitively',
});
// Length is checked by the password policy (in code points); the schema only bounds the bytes.
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
// Ours are 43 characters; the bound only keeps junk out, the same on /token and /refresh.
const RefreshToken = Type.String({ minLength: 1, maxLength: 512 });

export const RegisterBody = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { $id: 'RegisterRequest', additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 254 })),
    username: Type.Optional(
      Type.String({ maxLength: 254, description: 'Alias of email (OAuth2 form clients)' }),
    ),
    password: Password,
  },
  { $id: 'LoginRequest' },
);

export const TokenBody = Type.Object(
  {
    grant_type: Type.Optional(
      Type.String({ maxLength: 64, description: '`password` (default) or `refresh_token`' }),
    ),
    username: Type.Optional(
      Type.String({ maxLength: 254, description: 'The email, for the password grant' }),
    ),
    password: Type.Optional(Password),
    scope: Type.Optional(
      Type.String({
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

export const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
