import { Type } from 'typebox';
import { Email, NewPassword, PageQuery, SafeString, SecretString } from '../../core/http/schemas.ts';
import { PHONE_PATTERN } from './phone.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** An account as every route returns it (never a password hash). */
export const Account = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    name: Nullable(Type.String()),
    first_name: Nullable(Type.String()),
    middle_name: Nullable(Type.String()),
    last_name: Nullable(Type.String()),
    phone_number: Nullable(Type.String()),
    date_of_birth: Nullable(Type.String({ format: 'date' })),
    is_active: Type.Boolean(),
    roles: Type.Array(Type.String()),
    email_verified: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Account' },
);

export const UserEnvelope = Type.Object({ user: Type.Ref('Account') }, { $id: 'UserEnvelope' });

// Input fields. Request schemas stay inline (no Type.Ref): the TypeBox validator compiles each route's
// schema on its own and cannot resolve shared ones.
const Name = SafeString({ minLength: 1, maxLength: 200 });
const NamePart = SafeString({ minLength: 1, maxLength: 100 });
const Phone = Type.String({
  pattern: PHONE_PATTERN,
  maxLength: 16,
  description: 'E.164, or 10 North American digits as 123-456-7890 (the same as +11234567890)',
  examples: ['123-456-7890', '+441234567890'],
});
const BirthDate = Type.String({
  format: 'date',
  maxLength: 10,
  description: 'YYYY-MM-DD, not in the future',
});
const RoleName = Type.Union([Type.Literal('admin'), Type.Literal('user')]);
const Roles = Type.Array(RoleName, { minItems: 1, maxItems: 2, uniqueItems: true });

export const CreateAccountBody = Type.Object(
  {
    email: Email,
    password: NewPassword,
    name: Type.Optional(Name),
    first_name: Type.Optional(NamePart),
    middle_name: Type.Optional(NamePart),
    last_name: Type.Optional(NamePart),
    phone_number: Type.Optional(Phone),
    date_of_birth: Type.Optional(BirthDate),
    is_active: Type.Optional(Type.Boolean({ default: true })),
    roles: Type.Optional(Roles),
  },
  { $id: 'CreateAccountRequest', additionalProperties: false },
);

export const UpdateAccountBody = Type.Object(
  {
    email: Type.Optional(Email),
    name: Type.Optional(Nullable(Name)),
    first_name: Type.Optional(Nullable(NamePart)),
    middle_name: Type.Optional(Nullable(NamePart)),
    last_name: Type.Optional(Nullable(NamePart)),
    phone_number: Type.Optional(Nullable(Phone)),
    date_of_birth: Type.Optional(Nullable(BirthDate)),
    is_active: Type.Optional(Type.Boolean({ description: 'Admins only' })),
    roles: Type.Optional(Roles),
    current_password: Type.Optional(
      SecretString({
        minLength: 1,
        maxLength: 1024,
        description:
          "The caller's password: needed to change `email` unless the credential comes from a password sign-in in the last REAUTH_WINDOW",
      }),
    ),
  },
  {
    $id: 'UpdateAccountRequest',
    additionalProperties: false,
    description: 'Partial: absent fields are left as they are; null clears a profile field.',
  },
);

export const AccountIdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListAccountsQuery = Type.Object({
  ...PageQuery.properties,
  email: Type.Optional(Email),
});

export const AccountList = Type.Object(
  {
    items: Type.Array(Type.Ref('Account')),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
  },
  { $id: 'AccountList' },
);

const OrderBy = (options: { default?: string } = {}) =>
  Type.Union(
    [Type.Literal('id'), Type.Literal('created_at'), Type.Literal('updated_at'), Type.Literal('email')],
    options,
  );
const SortDirection = (options: { default?: string } = {}) =>
  Type.Union([Type.Literal('ascending'), Type.Literal('descending')], options);

export const SEARCH_DEFAULTS = {
  order_by: 'created_at',
  sort_direction: 'descending',
  page_size: 25,
  page_offset: 1,
} as const;

export const SearchAccountsBody = Type.Object(
  {
    phone_number: Type.Optional(Phone),
    is_active: Type.Optional(Type.Boolean()),
    role: Type.Optional(RoleName),
    email: Type.Optional(Email),
    sorting: Type.Optional(
      Type.Object(
        {
          order_by: Type.Optional(OrderBy({ default: SEARCH_DEFAULTS.order_by })),
          sort_direction: Type.Optional(SortDirection({ default: SEARCH_DEFAULTS.sort_direction })),
        },
        { additionalProperties: false },
      ),
    ),
    paging: Type.Optional(
      Type.Object(
        {
          page_size: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 100, default: SEARCH_DEFAULTS.page_size }),
          ),
          page_offset: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 1_000_000,
              default: SEARCH_DEFAULTS.page_offset,
              description: '1-based page number',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    $id: 'AccountSearchRequest',
    additionalProperties: false,
    description: 'Every filter, and the sorting and paging blocks and their fields, may be omitted.',
  },
);

export const AccountSearchResult = Type.Object(
  {
    items: Type.Array(Type.Ref('Account')),
    pagination_info: Type.Object({
      page_offset: Type.Integer({ description: '1-based' }),
      page_size: Type.Integer(),
      total_records: Type.Integer(),
      total_pages: Type.Integer(),
      order_by: OrderBy(),
      sort_direction: SortDirection(),
    }),
  },
  { $id: 'AccountSearchResult' },
);
