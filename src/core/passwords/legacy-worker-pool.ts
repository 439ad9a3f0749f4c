// Runs legacy-worker.ts tasks in short-lived worker threads, a few at a time. A worker per task costs
// ~20-40 ms to start, small next to the hash itself, and needs no lifecycle management. The cap keeps a
// burst of sign-ins on imported accounts (or an attacker trying them) from occupying every core.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ShaCryptVariant } from './sha-crypt.ts';

/** One CPU-bound legacy hash computation, sent to a worker thread. */
export type LegacyTask =
  | { readonly kind: 'bcrypt'; readonly password: string; readonly salt: string }
  | {
      readonly kind: 'sha-crypt';
      readonly password: string;
      readonly salt: string;
      readonly rounds: number;
      readonly variant: ShaCryptVariant;
    };

const WORKER_URL = new URL('./legacy-worker.ts', import.meta.url);
const MAX_CONCURRENT = Math.max(2, Math.floor(availableParallelism() / 2));

let active = 0;
const waiting: (() => void)[] = [];

async function acquire(): Promise<void> {
  if (active < MAX_CONCURRENT) {
    active++;
    return;
  }
  // The releasing task hands its slot over directly, so `active` stays unchanged.
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next) next();
  else active--;
}

function spawn(task: LegacyTask): Promise<string> {
  return new Promise((resolve, reject) => {
    // A small heap: the task needs almost none, and a bug should not grow the process.
    const worker = new Worker(WORKER_URL, {
      workerData: task,
      resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    // Other messages exist: under --watch, Node reports every module the worker imports on this port.
    worker.on('message', (message: { legacyHash?: unknown } | null) => {
      if (typeof message?.legacyHash === 'string') resolve(message.legacyHash);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`legacy hash worker exited with code ${code}`)));
  });
}

/** Computes a legacy hash in a worker thread; at most a few run at once, the rest queue. */
export async function runInWorker(task: LegacyTask): Promise<string> {
  await acquire();
  try {
    return await spawn(task);
  } finally {
    release();
  }
}
