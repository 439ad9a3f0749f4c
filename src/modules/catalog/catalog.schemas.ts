import { Type, type Static } from 'typebox';
import { PageQuery, SafeString, SafeText } from '../../core/http/schemas.ts';
import { ITEM_KINDS, SUGGESTION_STATUSES } from '../../db/schema/items.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const Kind = Type.Enum(ITEM_KINDS, {
  description: 'movie | series | book | game | track | application',
});
export const Genre = SafeString({ minLength: 1, maxLength: 100 });
export const Genres = Type.Array(Genre, { maxItems: 30, uniqueItems: true });
export const MAX_ATTRIBUTES = 50;

// Attributes are free but bounded: scalars and short lists of scalars, keys without control characters
// (PostgreSQL's jsonb refuses NUL in a key or a string).
const Scalar = Type.Union([SafeText({ maxLength: 2000 }), Type.Number(), Type.Boolean(), Type.Null()]);
export const Attributes = Type.Record(
  Type.String(),
  Type.Union([Scalar, Type.Array(Scalar, { maxItems: 50 })]),
  {
    maxProperties: MAX_ATTRIBUTES,
    propertyNames: {
      minLength: 1,
      maxLength: 100,
      pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$',
    },
    description:
      'Free attributes (director, author, platform, …): strings, numbers, booleans or lists of them',
  },
);

const itemContent = {
  kind: Kind,
  title: SafeString({ minLength: 1, maxLength: 500 }),
  description: Type.Optional(SafeText({ maxLength: 10_000 })),
  genres: Type.Optional(Genres),
  year: Type.Optional(Type.Integer({ minimum: 0, maximum: 9999 })),
  attributes: Type.Optional(Attributes),
};

export const ItemInput = Type.Object(
  {
    external_id: Type.Optional(
      SafeString({ minLength: 1, maxLength: 200, description: 'Your id for it; imports upsert on it' }),
    ),
    ...itemContent,
  },
  { $id: 'ItemInput', additionalProperties: false },
);
export type ItemInput = Static<typeof ItemInput>;

export const MAX_ITEMS_PER_REQUEST = 1000;
export const CreateItemsBody = Type.Union([
  ItemInput,
  Type.Array(ItemInput, { minItems: 1, maxItems: MAX_ITEMS_PER_REQUEST }),
]);

export const Item = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    external_id: Nullable(Type.String()),
    kind: Kind,
    title: Type.String(),
    description: Nullable(Type.String()),
    genres: Type.Array(Type.String()),
    year: Nullable(Type.Integer()),
    attributes: Nullable(Type.Record(Type.String(), Type.Unknown())),
    rating_count: Type.Integer(),
    rating_mean: Nullable(Type.Number()),
    popularity: Type.Number({ description: 'IMDB weighted rating (v/(v+m))·R + (m/(v+m))·C' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Item' },
);
export type ItemView = Static<typeof Item>;

export const ItemList = Type.Object(
  { items: Type.Array(Item), next_cursor: Nullable(Type.String()) },
  { $id: 'ItemList' },
);
export const CreatedItems = Type.Object({ items: Type.Array(Item) }, { $id: 'CreatedItems' });

export const ItemListQuery = Type.Object({
  ...PageQuery.properties,
  kind: Type.Optional(Kind),
  genre: Type.Optional(Genre),
  q: Type.Optional(
    SafeString({
      minLength: 1,
      maxLength: 200,
      description: 'Full-text search on title and description (web search syntax: "phrase", -not, or)',
    }),
  ),
});

export const ImportError = Type.Object({ line: Type.Integer(), message: Type.String() });
export const ItemImportReport = Type.Object(
  {
    lines: Type.Integer({ description: 'Records read (the CSV header not counted)' }),
    inserted: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    rejected: Type.Integer(),
    errors: Type.Array(ImportError, { description: 'The first 100 rejected lines and why' }),
  },
  { $id: 'ItemImportReport' },
);

export const SuggestionInput = Type.Object(
  {
    ...itemContent,
    note: Type.Optional(SafeText({ maxLength: 2000, description: 'Why it belongs in the catalogue' })),
  },
  { $id: 'ItemSuggestionInput', additionalProperties: false },
);
export type SuggestionInput = Static<typeof SuggestionInput>;

export const Suggestion = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    account_id: Nullable(Type.String({ format: 'uuid' })),
    kind: Kind,
    title: Type.String(),
    description: Nullable(Type.String()),
    genres: Type.Array(Type.String()),
    year: Nullable(Type.Integer()),
    attributes: Nullable(Type.Record(Type.String(), Type.Unknown())),
    status: Type.Enum(SUGGESTION_STATUSES),
    item_id: Nullable(Type.String({ format: 'uuid', description: 'The item it became, once accepted' })),
    created_at: Timestamp,
    decided_at: Nullable(Timestamp),
  },
  { $id: 'ItemSuggestion' },
);
export type SuggestionView = Static<typeof Suggestion>;

export const SuggestionList = Type.Object(
  { items: Type.Array(Suggestion), next_cursor: Nullable(Type.String()) },
  { $id: 'ItemSuggestionList' },
);
export const SuggestionListQuery = Type.Object({
  ...PageQuery.properties,
  status: Type.Optional(Type.Enum(SUGGESTION_STATUSES, { default: 'pending' })),
});

export const ALL_SCHEMAS = [
  ItemInput,
  Item,
  ItemList,
  CreatedItems,
  ItemImportReport,
  SuggestionInput,
  Suggestion,
  SuggestionList,
];
