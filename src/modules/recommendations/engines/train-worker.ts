// Worker-thread entry of trainer.ts: trains every engine, measures them on a held-out split when asked,
// and posts the encoded model back (its buffer transferred, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { holdoutMetrics } from './evaluate.ts';
import { encodeModel } from './model-codec.ts';
import { trainModel } from './model.ts';
import type { TrainingJob, TrainingResult } from './trainer.ts';

function run(job: TrainingJob): TrainingResult {
  const started = performance.now();
  const cpu = process.threadCpuUsage();
  const metrics =
    job.metricsSeed === null ? null : holdoutMetrics(job.data, job.texts, job.options, job.metricsSeed);
  const model = encodeModel(trainModel(job.data, job.texts, job.options));
  const used = process.threadCpuUsage(cpu);
  return { model, metrics, trainingMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

// Wrapped in an object: Node's --watch mode posts its own messages on this port.
if (parentPort) {
  try {
    const trained = run(workerData as TrainingJob);
    parentPort.postMessage({ trained }, [trained.model.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort.postMessage({ failed: (error as Error).message });
  }
}
