// The GraphQL module's public surface: the builder other modules add their types to, and the server.
import type { FastifyPluginAsync } from 'fastify';
import { printSchema } from 'graphql';
import type { AppContext } from '../../core/context.ts';
import type { AuthApi } from '../auth/index.ts';
import { createBuilder, type Builder } from './graphql.builder.ts';
import { graphqlRoutes } from './graphql.server.ts';
import { defineUsersGraphql } from './users.graphql.ts';

export { createBuilder, isCalendarDate } from './graphql.builder.ts';
export type { Builder, Page, UserNode } from './graphql.builder.ts';
export type { GraphqlContext } from './graphql.context.ts';
export { defineConnection, DEFAULT_FIRST, MAX_FIRST } from './graphql.connections.ts';
export { assertValid } from './graphql.validate.ts';
export { userLoader } from './users.graphql.ts';
export { CSRF_HEADER } from './graphql.server.ts';

/** A module's contribution to the schema: types, fields, queries and mutations on the shared builder. */
export type GraphqlContribution = (builder: Builder) => void;

/** The schema from the modules' contributions (also what `docs/schema.graphql` is printed from). */
export function buildGraphqlSchema(
  deps: { ctx: AppContext; auth: AuthApi },
  contributions: readonly GraphqlContribution[],
) {
  const builder = createBuilder();
  defineUsersGraphql(builder, { db: deps.ctx.database.db, auth: deps.auth });
  for (const contribute of contributions) contribute(builder);
  return builder.toSchema({ sortSchema: true });
}

export const printGraphqlSchema = (schema: ReturnType<typeof buildGraphqlSchema>) =>
  `${printSchema(schema).trim()}\n`;

/** `/graphql`: the schema of every contribution, principals from the REST authenticator. */
export function graphqlModule(deps: {
  ctx: AppContext;
  auth: AuthApi;
  contributions: readonly GraphqlContribution[];
}): FastifyPluginAsync {
  return async (app) => {
    const schema = buildGraphqlSchema(deps, deps.contributions);
    await app.register(graphqlRoutes, {
      config: deps.ctx.config,
      schema,
      authenticate: deps.auth.authenticate,
    });
  };
}
