// Training off the event loop: one worker thread per training run (seconds of CPU; the ~30 ms start-up is
// noise next to it). The worker returns the encoded model, so the bytes that are persisted are the bytes
// that are served.
import { Worker } from 'node:worker_threads';
import type { ItemText } from './content.ts';
import type { EvaluationReport } from './evaluate.ts';
import type { Interactions } from './matrix.ts';
import type { TrainOptions } from './model.ts';

export interface TrainingJob {
  readonly data: Interactions;
  readonly texts: readonly ItemText[] | null;
  readonly options: TrainOptions;
  /** Seed of the held-out split whose metrics are stored with the model; null skips them. */
  readonly metricsSeed: number | null;
}

export interface TrainingResult {
  readonly model: Uint8Array;
  readonly metrics: EvaluationReport | null;
  readonly trainingMs: number;
  /** CPU time of the worker thread (the steadier figure on a busy machine). */
  readonly cpuMs: number;
}

const WORKER_URL = new URL('./train-worker.ts', import.meta.url);

/** Trains (and optionally measures) in a worker thread; rejects if the worker fails or exits early. */
export function trainInWorker(job: TrainingJob): Promise<TrainingResult> {
  return new Promise((resolve, reject) => {
    // The job's typed arrays are copied by structured clone: the caller keeps its own.
    const worker = new Worker(WORKER_URL, { workerData: job });
    worker.on('message', (message: { trained?: TrainingResult; failed?: string } | null) => {
      if (message?.trained) resolve(message.trained);
      else if (typeof message?.failed === 'string') reject(new Error(message.failed));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`training worker exited with code ${code}`)));
  });
}
