// Worker-thread entry: runs one CPU-bound pure-JS legacy hash and posts the result back. bcryptjs and
// SHA-crypt take 0.2-1.5 s of CPU at the parameters the Python systems used; here they cannot stall the
// event loop (argon2, PBKDF2 and scrypt already run on libuv's pool). Started by legacy-worker-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { hashSync } from 'bcryptjs';
import { shaCrypt } from './sha-crypt.ts';
import type { LegacyTask } from './legacy-worker-pool.ts';

/** Computes the task's hash string; the caller compares it with the stored one in constant time. */
function runLegacyTask(task: LegacyTask): string {
  switch (task.kind) {
    case 'bcrypt':
      // Salt is the stored hash's first 29 characters ($2b$12$ + 22); the result is the full hash string.
      return hashSync(task.password, task.salt);
    case 'sha-crypt':
      return shaCrypt(
        Buffer.from(task.password, 'utf8'),
        Buffer.from(task.salt, 'utf8'),
        task.rounds,
        task.variant,
      );
  }
}

// Wrapped in an object: Node's --watch mode posts its own `{ 'watch:import': … }` messages on this port.
if (parentPort) parentPort.postMessage({ legacyHash: runLegacyTask(workerData as LegacyTask) });
