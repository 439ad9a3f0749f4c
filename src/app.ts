import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './core/config/config.ts';
import type { AppContext } from './core/context.ts';
import type { Database } from './core/db/database.ts';
import { errorsPlugin } from './core/http/errors.plugin.ts';
import { openapiPlugin } from './core/http/openapi.plugin.ts';
import { requestIdFor } from './core/http/request-id.ts';
import { securityHeaders } from './core/http/security-headers.ts';
import { configureValidation, validatorCompiler } from './core/http/validation.ts';
import { Housekeeping } from './core/jobs/housekeeping.ts';
import { JobWorker } from './core/jobs/worker.ts';
import { loggerOptions, requestLoggerFactory } from './core/observability/logger.ts';
import { metricsPlugin } from './core/observability/metrics.ts';
import { DomainEventHooks } from './core/events.ts';
import { ExportRegistry } from './core/export.ts';
import { connectRedis } from './core/redis.ts';
import { createLocalStorage } from './core/storage/local-storage.ts';
import type { BlobStorage } from './core/storage/storage.ts';
import { accountsModule } from './modules/accounts/index.ts';
import { auditModule } from './modules/audit/index.ts';
import { apiKeysModule } from './modules/api-keys/index.ts';
import { authModule, createAuth, type AuthApi } from './modules/auth/index.ts';
import { certificatesModule } from './modules/certificates/index.ts';
import { healthModule } from './modules/health/index.ts';
import { identitiesModule } from './modules/identities/index.ts';
import { mailModule } from './modules/mail/index.ts';
import { modelsModule } from './modules/models/index.ts';
import { AnimalsService, animalsGraphql, animalsModule } from './modules/animals/index.ts';
import { graphqlModule } from './modules/graphql/index.ts';
import { groupsModule, type RecommendForAccounts } from './modules/groups/index.ts';
import { ImagesService, imagesGraphql, imagesModule } from './modules/images/index.ts';
import { createS3Storage } from './core/storage/s3-storage.ts';
import { webhooksModule } from './modules/webhooks/index.ts';
import { catalogModule } from './modules/catalog/index.ts';
import { feedbackModule } from './modules/feedback/index.ts';
import {
  createRecommendations,
  recommendationsModule,
  toRecommendationView,
  type Recommendations,
} from './modules/recommendations/index.ts';

configureValidation();

export interface BuildAppOptions {
  readonly config: Config;
  readonly database: Database;
  readonly masterKey: Buffer;
  readonly storage?: BlobStorage;
  /** Start the job worker with the app (default: config.jobWorkers). Tests drain it by hand. */
  readonly startWorker?: boolean;
  /** Where log lines go instead of stdout, as JSON (tests read them). */
  readonly logStream?: DestinationStream;
  /**
   * What group recommendations are computed with (`GET /v1/groups/{id}/recommendations`); tests pass an
   * in-process one. Absent: the route answers 503.
   */
  readonly recommendForAccounts?: RecommendForAccounts;
  /** Registers extra routes or jobs before the app is sealed (tests and benchmarks). */
  readonly extend?: (app: FastifyInstance) => Promise<void> | void;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
    /** The auth module's public API (tests and tools reach the guard and key store through it). */
    auth: AuthApi;
    /** The recommendations' trainer and group entry point (the groups module and tests use it). */
    reco: Recommendations;
  }
}

/**
 * The composition root: config → infrastructure → HTTP plumbing → modules. Builds the app without
 * listening, so tests use `inject`. The caller owns the database and closes it after `app.close()`.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, database, masterKey } = options;
  const app = Fastify({
    logger: options.logStream
      ? { ...loggerOptions(config, { isTTY: false }), stream: options.logStream }
      : loggerOptions(config),
    genReqId: requestIdFor,
    // Each request's child logger is made on its first log line, not for every request (see logger.ts).
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: config.maxBodyBytes,
    // Fastify takes a boolean, a hop count or an address list; its overloads only type-check one at a time.
    trustProxy: config.trustProxy as string,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Our TypeBox compiler (every invalid field, bounded) for every plugin: `setValidatorCompiler` would be undone in any plugin that calls
    // `addSchema` (Fastify then rebuilds that plugin's validator from the default Ajv factory).
    schemaController: { compilersFactory: { buildValidator: () => validatorCompiler as never } },
  });

  const worker = new JobWorker(database, { pollMs: config.jobPollMs, logger: app.log as unknown as Logger });
  const housekeeping = new Housekeeping(database, {
    retention: config.retention,
    intervalSeconds: config.housekeepingIntervalSeconds,
    logger: app.log as unknown as Logger,
  });
  housekeeping.attach(worker);
  const ctx: AppContext = {
    config,
    database,
    masterKey,
    storage:
      options.storage ?? (config.s3 ? createS3Storage(config.s3) : createLocalStorage(config.storageDir)),
    worker,
    housekeeping,
    logger: app.log as unknown as Logger,
    events: new DomainEventHooks(),
    exports: new ExportRegistry(),
    redis: config.redisUrl ? connectRedis(config.redisUrl) : undefined,
  };
  app.decorate('ctx', ctx);

  // HTTP plumbing: ids and security headers, errors, CORS, metrics, OpenAPI.
  const headers = { ...securityHeaders(config) };
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers).header('x-request-id', request.id);
    done();
  });
  // Only JSON by default; routes that take forms, CSV or uploads add their own parsers in their scope.
  app.removeContentTypeParser('text/plain');
  await app.register(errorsPlugin);
  // Without CORS_ORIGINS no origin is allowed: @fastify/cors with `origin: false` adds no header and refuses
  // every preflight (to the same 404/405 as without it), yet costs a hook on every request. So it is left out.
  if (config.corsOrigins.length > 0)
    await app.register(cors, { origin: [...config.corsOrigins], credentials: true });
  await app.register(metricsPlugin, { database });
  await app.register(openapiPlugin, { config });

  // Modules, each a plugin built from its dependencies. Each registers its own routes, jobs, export section
  // and `account.deleted` cleanup; the order of registration is the order of the export's sections.
  const auth = createAuth(ctx);
  app.decorate('auth', auth);
  const { guard } = auth;
  await app.register(healthModule({ ctx }));
  const { hasher, forgetAccount, forgetApiKey, reauthenticate } = auth;
  await app.register(accountsModule({ ctx, guard, hasher, forgetAccount, reauthenticate }));
  await app.register(authModule({ ctx, auth }));
  await app.register(apiKeysModule({ ctx, guard, forgetApiKey, reauthenticate }));
  await app.register(identitiesModule({ ctx, auth }));
  await app.register(mailModule({ ctx }));
  await app.register(modelsModule({ ctx, guard }));
  await app.register(certificatesModule({ ctx, guard }));
  const images = new ImagesService(ctx);
  const animals = new AnimalsService(ctx, images);
  await app.register(imagesModule({ ctx, images }));
  await app.register(animalsModule({ ctx, guard, animals, images }));
  const contributions = [imagesGraphql({ ctx, images }), animalsGraphql({ ctx, animals, images })];
  await app.register(graphqlModule({ ctx, auth, contributions }));
  // Recommendations' data: the catalogue and users' feedback. The engines read them through
  // createCatalogReader(ctx.database.db) and createFeedbackReader(ctx.database.db).
  await app.register(catalogModule({ ctx, guard }));
  await app.register(feedbackModule({ ctx, guard }));
  const reco = createRecommendations(ctx);
  app.decorate('reco', reco);
  await app.register(recommendationsModule({ ctx, guard, reco }));
  await app.register(webhooksModule({ ctx, guard, previousMasterKey: config.masterKeyPrevious }));
  await app.register(auditModule({ ctx, guard }));
  // Group recommendations are the recommendations module's, in the API's item shape (tests may pass their own).
  const recommendForAccounts: RecommendForAccounts =
    options.recommendForAccounts ??
    (async (ids, opts) => ({
      items: (await reco.recommendForAccounts(ids, opts)).map(toRecommendationView),
    }));
  await app.register(groupsModule({ ctx, guard, recommendForAccounts }));
  if (options.extend) await options.extend(app);

  app.addHook('onClose', async () => {
    housekeeping.stop();
    await worker.stop();
    ctx.redis?.disconnect();
  });
  if (options.startWorker ?? config.jobWorkers) {
    app.addHook('onReady', async () => {
      worker.start();
      housekeeping.start();
    });
  }
  return app;
}
