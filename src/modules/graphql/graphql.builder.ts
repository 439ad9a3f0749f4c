import SchemaBuilder from '@pothos/core';
import { GraphQLError, Kind } from 'graphql';
import type { AnimalRow, ZooRow } from '../../db/schema/animals.ts';
import type { ImageRow } from '../../db/schema/images.ts';
import type { GraphqlContext } from './graphql.context.ts';

/** A user as GraphQL sees it: never the password hash; the email only for the account itself or an admin. */
export interface UserNode {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly createdAt: Date;
}

/** One page of a connection; `totalCount` runs its query only when the field is asked for. */
export interface Page<T> {
  readonly rows: readonly T[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly cursorOf: (row: T) => string;
  readonly totalCount: () => Promise<number>;
}

export interface SchemaTypes {
  Context: GraphqlContext;
  Scalars: {
    ID: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    Upload: { Input: File; Output: never };
  };
  Objects: {
    Animal: AnimalRow;
    Zoo: ZooRow;
    User: UserNode;
    Image: ImageRow;
    AnimalConnection: Page<AnimalRow>;
    ZooConnection: Page<ZooRow>;
  };
  Interfaces: { Node: { id: string } };
  DefaultFieldNullability: false;
}

export type Builder = PothosSchemaTypes.SchemaBuilder<PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists (2023-02-30 does not). */
export function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

const badScalar = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * The one Pothos builder with the shared scalars and the Relay `Node` interface; modules add their types
 * to it (see `defineGraphql` in each module) before `toSchema()`.
 * @example const builder = createBuilder(); defineAnimalsGraphql(builder); builder.toSchema();
 */
export function createBuilder(): Builder {
  const builder = new SchemaBuilder<SchemaTypes>({ defaultFieldNullability: false });
  builder.scalarType('Date', {
    description: 'A calendar date, `YYYY-MM-DD` (RFC 3339 full-date).',
    serialize: (value) => value,
    parseValue: (value) => {
      if (typeof value !== 'string' || !isCalendarDate(value)) throw badScalar('Date must be YYYY-MM-DD.');
      return value;
    },
    parseLiteral: (node) => {
      if (node.kind !== Kind.STRING || !isCalendarDate(node.value))
        throw badScalar('Date must be YYYY-MM-DD.');
      return node.value;
    },
  });
  builder.scalarType('DateTime', {
    description: 'An instant, RFC 3339 in UTC.',
    serialize: (value) => value.toISOString(),
    parseValue: (value) => {
      const date = typeof value === 'string' ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime())) throw badScalar('DateTime must be RFC 3339.');
      return date;
    },
  });
  builder.scalarType('Upload', {
    description: 'A file sent with the GraphQL multipart request specification.',
    serialize: () => {
      throw new Error('Upload is an input-only scalar.');
    },
    parseValue: (value) => {
      // Yoga's multipart parser may give its own File implementation (whatwg-node), not Node's global one.
      const file = value as Partial<File> | null;
      if (typeof file?.arrayBuffer !== 'function' || typeof file.size !== 'number')
        throw badScalar('Upload expects a file part of a multipart request.');
      return value as File;
    },
  });
  builder.interfaceType('Node', {
    description: 'An object with a UUID, the same as in the REST API.',
    fields: (t) => ({ id: t.exposeID('id') }),
  });
  builder.queryType({});
  builder.mutationType({});
  return builder;
}
