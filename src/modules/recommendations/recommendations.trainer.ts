// Keeps a trained model in memory and fresh. Serving reads `current` (one reference, swapped whole, so a
// request sees either the old or the new model, never a mixture); training runs in a worker thread; one
// instance trains at a time (a session-level advisory lock), and the others pick its model up by polling
// the newest row of `reco_models`.
import type { Logger } from 'pino';
import type { RecoConfig } from '../../core/config/config.ts';
import type { Database } from '../../core/db/database.ts';
import { newId } from '../../core/ids.ts';
import type { CatalogReader } from '../catalog/index.ts';
import type { FeedbackReader } from '../feedback/index.ts';
import type { EvaluationReport } from './engines/evaluate.ts';
import { decodeModel } from './engines/model-codec.ts';
import { DEFAULT_OPTIONS, type Model, type TrainOptions } from './engines/model.ts';
import { trainInWorker } from './engines/trainer.ts';
import { loadFacts, loadSnapshot, type ItemFacts } from './recommendations.data.ts';
import * as repo from './recommendations.repository.ts';

// Any constant works; every instance must use the same one.
const TRAINER_LOCK_ID = 727_274_011;

/** A model ready to serve: the engines, its item order and the facts of those items. */
export interface ServingModel {
  readonly id: string;
  readonly createdAt: Date;
  readonly dataAt: Date;
  readonly model: Model;
  readonly itemIds: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly facts: ItemFacts;
  readonly metrics: EvaluationReport | null;
}

export interface TrainerDeps {
  readonly database: Database;
  readonly catalog: CatalogReader;
  readonly feedback: FeedbackReader;
  readonly config: RecoConfig;
  readonly logger: Logger;
}

export class RecoTrainer {
  /** The model being served; null until the first one is trained. */
  current: ServingModel | null = null;
  private readonly deps: TrainerDeps;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private lastTrainedAt = 0;
  /** Where the last training spent its time (ms): reading the data, the worker, storing the model. */
  lastTimings: {
    readMs: number;
    readCpuMs: number;
    workerMs: number;
    workerCpuMs: number;
    storeMs: number;
  } | null = null;

  constructor(deps: TrainerDeps) {
    this.deps = deps;
  }

  options(): TrainOptions {
    return {
      ...DEFAULT_OPTIONS,
      lambda: this.deps.config.easeLambda,
      easeMaxItems: this.deps.config.easeMaxItems,
    };
  }

  /** Loads the newest stored model, then checks on a timer; overlapping ticks are skipped. */
  async start(): Promise<void> {
    // A database without the migrations yet (MIGRATE_ON_START=off, tools) must not stop the app: the next
    // tick tries again.
    await this.refresh().catch((error: unknown) =>
      this.deps.logger.warn({ err: error }, 'no recommendation model loaded at start'),
    );
    this.timer = setInterval(() => void this.tick(), this.deps.config.checkIntervalSeconds * 1000);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check: a newer model elsewhere is loaded; else train when due. Errors are logged, never thrown. */
  tick(): Promise<unknown> {
    if (this.running) return this.running;
    this.running = (async () => {
      await this.refresh();
      if (this.deps.config.training && (await this.due())) await this.train();
    })()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'recommendation training failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async due(): Promise<boolean> {
    const { config, feedback } = this.deps;
    const since = this.current?.dataAt ?? new Date(0);
    const changed = await feedback.changedSince(since);
    if (!this.current) return changed > 0;
    if (changed >= config.retrainMinFeedback) return true;
    const age = Date.now() - Math.max(this.current.createdAt.getTime(), this.lastTrainedAt);
    return changed > 0 && age >= config.retrainIntervalSeconds * 1000;
  }

  /** Serves the newest stored model if it is not the current one. */
  async refresh(): Promise<void> {
    const { database, catalog } = this.deps;
    const header = await repo.latestHeader(database.db);
    if (!header || header.id === this.current?.id) return;
    const row = await repo.findModel(database.db, header.id);
    if (!row) return;
    const facts = await loadFacts(catalog, row.itemIds);
    this.current = {
      id: row.id,
      createdAt: row.createdAt,
      dataAt: row.dataAt,
      model: decodeModel(row.model),
      itemIds: row.itemIds,
      indexOf: new Map(row.itemIds.map((id, i) => [id, i])),
      facts,
      metrics: row.metrics as EvaluationReport | null,
    };
  }

  /**
   * Trains now if no other instance is training (else returns false at once), stores the model and serves
   * it. Serving goes on from the previous model meanwhile.
   */
  async train(): Promise<boolean> {
    return this.withTrainerLock(async () => {
      const { database, catalog, logger } = this.deps;
      const t0 = performance.now();
      const cpu = process.threadCpuUsage();
      const snapshot = await loadSnapshot(catalog, database);
      const readCpu = process.threadCpuUsage(cpu);
      const t1 = performance.now();
      const result = await trainInWorker({
        data: snapshot.data,
        texts: snapshot.texts,
        options: this.options(),
        metricsSeed: 42,
      });
      const id = newId();
      await repo.insertModel(database.db, {
        id,
        dataAt: snapshot.dataAt,
        users: snapshot.data.users,
        interactions: snapshot.data.user.length,
        trainingMs: Math.round(result.trainingMs),
        itemIds: snapshot.itemIds,
        metrics: result.metrics as unknown as Record<string, unknown> | null,
        model: result.model,
      });
      this.lastTrainedAt = Date.now();
      const t2 = performance.now();
      this.lastTimings = {
        readMs: t1 - t0,
        // Main-thread CPU while reading: includes whatever requests were served meanwhile.
        readCpuMs: (readCpu.user + readCpu.system) / 1000,
        workerMs: result.trainingMs,
        workerCpuMs: result.cpuMs,
        storeMs: t2 - t1 - result.trainingMs,
      };
      logger.info(
        {
          model: id,
          users: snapshot.data.users,
          interactions: snapshot.data.user.length,
          ms: Math.round(result.trainingMs),
        },
        'recommendation model trained',
      );
      await this.refresh();
    });
  }

  private async withTrainerLock(run: () => Promise<void>): Promise<boolean> {
    const { database } = this.deps;
    if (database.pool) {
      // A session lock needs one connection held for the whole training; it ends with the session if the
      // process dies, so a crashed trainer never blocks the others.
      const client = await database.pool.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock($1) as locked',
          [TRAINER_LOCK_ID],
        );
        if (!rows[0]?.locked) return false;
        try {
          await run();
        } finally {
          await client.query('select pg_advisory_unlock($1)', [TRAINER_LOCK_ID]);
        }
        return true;
      } finally {
        client.release();
      }
    }
    // PGlite is one process's database: one trainer by construction; the lock keeps the same semantics.
    const [row] = await database.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
      TRAINER_LOCK_ID,
    ]);
    if (!row?.locked) return false;
    try {
      await run();
    } finally {
      await database.query('select pg_advisory_unlock($1)', [TRAINER_LOCK_ID]);
    }
    return true;
  }
}
