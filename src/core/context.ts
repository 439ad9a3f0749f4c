import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/config.ts';
import type { Database } from './db/database.ts';
import type { DomainEventHooks } from './events.ts';
import type { ExportRegistry } from './export.ts';
import type { Housekeeping } from './jobs/housekeeping.ts';
import type { JobWorker } from './jobs/worker.ts';
import type { BlobStorage } from './storage/storage.ts';

/** What every module is given: the shared infrastructure, built once in the composition root. */
export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly storage: BlobStorage;
  readonly worker: JobWorker;
  /** Periodic purges of ended rows; each module registers its tables' (`housekeeping.register`). */
  readonly housekeeping: Housekeeping;
  readonly masterKey: Buffer;
  readonly logger: Logger;
  /** In-transaction hooks other modules attach to (mail on registration, webhooks, …). */
  readonly events: DomainEventHooks;
  /** The sections of the data export (`GET /v1/accounts/{id}/export`); each module registers its own. */
  readonly exports: ExportRegistry;
  /** Shared counters and cache invalidation across instances, when REDIS_URL is set. */
  readonly redis: Redis | undefined;
}
