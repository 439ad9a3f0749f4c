import { Type } from 'typebox';
import type { LinkRow } from './identities.repository.ts';

/** An external identity linked to an account. */
export const LinkedIdentity = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    provider: Type.String({ description: 'The provider name from OIDC_PROVIDERS' }),
    subject: Type.String({ description: 'The `sub` the provider gave the identity' }),
    email: Type.Union([Type.String(), Type.Null()], { description: 'The email the provider last gave' }),
    email_verified: Type.Boolean({ description: 'Whether the provider said it verified that email' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'LinkedIdentity' },
);

export const LinkedIdentityList = Type.Object(
  {
    items: Type.Array(Type.Ref('LinkedIdentity')),
    next_cursor: Type.Null({ description: 'Always null: an account has a handful of links at most' }),
  },
  { $id: 'LinkedIdentityList' },
);

/** What the callback answers when no `redirect_to` was given. */
export const OAuthCallbackResult = Type.Union(
  [
    Type.Object(
      { user: Type.Ref('Account'), csrf_token: Type.String() },
      { description: 'Signed in: the session cookies are set, as by POST /v1/auth/login' },
    ),
    Type.Object({ link: Type.Ref('LinkedIdentity') }, { description: 'Linked to the signed-in account' }),
  ],
  { $id: 'OAuthCallbackResult' },
);

// Request schemas stay inline (no Type.Ref): the TypeBox validator compiles each route's schema alone.
export const ProviderParam = Type.Object({ provider: Type.String({ minLength: 1, maxLength: 64 }) });

export const AuthorizeQuery = Type.Object({
  redirect_to: Type.Optional(
    Type.String({
      maxLength: 2048,
      description: 'Where to send the browser afterwards: a path or URL on PUBLIC_URL (anything else: 422)',
    }),
  ),
  csrf_token: Type.Optional(
    Type.String({
      maxLength: 128,
      description: "Linking with a session cookie: the session's CSRF token (else 403)",
    }),
  ),
});

// Providers add parameters of their own (`iss`, `scope`, `session_state`, …): extra ones are accepted.
const Param = Type.String({ maxLength: 4096 });
export const CallbackQuery = Type.Object({
  code: Type.Optional(Param),
  state: Type.Optional(Param),
  iss: Type.Optional(Param),
  error: Type.Optional(Param),
  error_description: Type.Optional(Param),
});

export const LinkParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  link_id: Type.String({ format: 'uuid' }),
});

export const AccountParam = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** A link as the API shows it. */
export const toLinkView = (row: LinkRow) => ({
  id: row.id,
  provider: row.provider,
  subject: row.subject,
  email: row.email,
  email_verified: row.emailVerified,
  created_at: row.createdAt.toISOString(),
});
