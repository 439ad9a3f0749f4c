import { Type } from 'typebox';
import { SafeString, SecretString } from '../../core/http/schemas.ts';
import { SCOPES } from '../../core/scopes.ts';

const ScopeName = Type.Union(SCOPES.map((s) => Type.Literal(s)));

export const CreateApiKeyBody = Type.Object(
  {
    name: SafeString({ minLength: 1, maxLength: 100 }),
    scopes: Type.Optional(
      Type.Array(ScopeName, { maxItems: SCOPES.length, description: 'Default: all the owner holds' }),
    ),
    expires_at: Type.Optional(
      Type.String({
        format: 'date-time',
        maxLength: 64,
        description: 'At most API_KEY_MAX_TTL (default 365 days) from now, which is also the default',
      }),
    ),
    current_password: Type.Optional(
      SecretString({
        minLength: 1,
        maxLength: 1024,
        description: 'Your password: needed unless you signed in with it in the last REAUTH_WINDOW',
      }),
    ),
    model_names: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', maxLength: 63, examples: ['iris'] }), {
        maxItems: 100,
        description: 'The only models this key may use (default: every model)',
      }),
    ),
    requests_per_minute: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        description: 'Quota of model requests (default: none)',
      }),
    ),
  },
  { $id: 'CreateApiKeyRequest', additionalProperties: false },
);

const fields = {
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  owner_id: Type.String({ format: 'uuid' }),
  model_names: Type.Union([Type.Array(Type.String()), Type.Null()]),
  requests_per_minute: Type.Union([Type.Integer(), Type.Null()]),
};

export const ApiKey = Type.Object(fields, { $id: 'ApiKey', description: 'An API key, without its secret' });

export const CreatedApiKey = Type.Object(
  { ...fields, key: Type.String({ description: 'bwk_<prefix>_<secret>: shown this once, store it now' }) },
  { $id: 'CreatedApiKey' },
);

export const ApiKeyList = Type.Object(
  { items: Type.Array(ApiKey), next_cursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'ApiKeyList' },
);

export const ApiKeyListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  cursor: Type.Optional(SafeString({ maxLength: 64 })),
  all: Type.Optional(Type.Boolean({ description: 'Admins: every account’s keys' })),
  owner_id: Type.Optional(
    Type.String({ format: 'uuid', description: 'Admins: this account’s keys (others: only their own id)' }),
  ),
});
