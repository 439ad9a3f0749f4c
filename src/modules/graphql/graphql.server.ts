import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Config } from '../../core/config/config.ts';
import type { Principal } from '../auth/index.ts';
import { createContext, type GraphqlContext } from './graphql.context.ts';
import { toClientError } from './graphql.errors.ts';
import { limitPlugins } from './graphql.limits.ts';

export const CSRF_HEADER = 'x-graphql-csrf';
// GraphiQL's page carries its scripts and styles inline (no CDN); it may run them, nothing else.
const GRAPHIQL_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface ServerContext {
  req: FastifyRequest;
  reply: FastifyReply;
}

/** Maps every resolver error (see graphql.errors.ts) once the operation is done, with the request id. */
function errorsPlugin(): Plugin<GraphqlContext> {
  return {
    onExecute: () => ({
      onExecuteDone({ args, result, setResult }) {
        if (!('errors' in result) || !result.errors?.length) return;
        const request = (args.contextValue as GraphqlContext).request;
        const errors = result.errors.map((e) => {
          const mapped = toClientError(e as GraphQLError, request.id);
          if (mapped.unexpected)
            request.log.error({ err: (e as GraphQLError).originalError }, 'GraphQL resolver failed');
          return mapped.error;
        });
        setResult({ ...result, errors });
      },
    }),
  };
}

/**
 * `/graphql` on GraphQL Yoga inside Fastify: POST for everything, GET for queries only (Yoga refuses a
 * mutation over GET with 405), GraphiQL for browsers, multipart uploads bounded while streaming by the
 * content-type parser here, and CSRF prevention: a GET or multipart request must carry a header no simple
 * cross-site form can send (`x-graphql-csrf`), so the browser preflights it.
 */
export async function graphqlRoutes(
  app: FastifyInstance,
  options: {
    config: Config;
    schema: GraphQLSchema;
    authenticate: (request: FastifyRequest) => Promise<Principal | undefined>;
  },
): Promise<void> {
  const { config, schema, authenticate } = options;
  const yoga = createYoga<ServerContext, GraphqlContext>({
    schema,
    graphqlEndpoint: '/graphql',
    logging: false,
    maskedErrors: false,
    landingPage: false,
    batching: config.graphql.maxBatch > 1 ? { limit: config.graphql.maxBatch } : false,
    graphiql: { title: 'Bulwark GraphQL', headers: JSON.stringify({ [CSRF_HEADER]: '1' }) },
    renderGraphiQL,
    context: ({ req }) => createContext(req, authenticate),
    plugins: [
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER, 'x-csrf-token'] }),
      ...(limitPlugins(config.graphql) as Plugin<GraphqlContext>[]),
      // After the limits: a document refused by its cost never reaches the compiler. Compiled queries are
      // kept per parsed document (Yoga's parser cache gives the same DocumentNode for the same text).
      ...(config.graphql.jit ? [useGraphQlJit() as Plugin<GraphqlContext>] : []),
      errorsPlugin(),
    ],
  });

  // The whole multipart body is bounded while it streams: Fastify stops reading past bodyLimit (413).
  // Room for the operations and map parts beside one file of MAX_UPLOAD_BYTES.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: config.maxUploadBytes + 64 * 1024 },
    (_request, body, done) => done(null, body),
  );
  app.addContentTypeParser(
    ['application/graphql-response+json', 'application/graphql'],
    { parseAs: 'string', bodyLimit: config.maxBodyBytes },
    (_request, body, done) => done(null, body),
  );

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const response = await yoga.handleNodeRequestAndResponse(request, reply, { req: request, reply });
    response.headers.forEach((value, key) => void reply.header(key, value));
    if (response.headers.get('content-type')?.startsWith('text/html'))
      reply.header('content-security-policy', GRAPHIQL_CSP);
    reply.status(response.status);
    // A JSON result is one string already: sent as such it goes out with a content-length in one write,
    // where piping the body stream costs a chunked encoding and a stream per request. Anything else (an
    // event stream, GraphiQL's page) is piped as it comes.
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('application/json') || type.startsWith('application/graphql-response+json'))
      return reply.send(await response.text());
    return reply.send(response.body);
  };
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    schema: { hide: true },
    handler,
  });
}
