import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { executeRows, type Db } from '../../core/db/database.ts';
import { chainHash, GENESIS_HASH } from './audit.chain.ts';
import { head, setChain, unchained } from './audit.repository.ts';

// Any constant works; every instance must use the same one so that only one chains at a time.
const CHAIN_LOCK_ID = 727_274_010;
const BATCH = 1000;

/**
 * Links every committed, unchained row into the chain, oldest id first, in batches: each gets the next
 * `seq`, the head's hash as `prev_hash`, and its own hash. One instance at a time (a transaction-scoped
 * advisory lock; another instance holding it means the work is being done: return). Returns how many rows
 * were chained.
 * @example await chainPending(db)
 */
export async function chainPending(db: Db): Promise<number> {
  let total = 0;
  for (;;) {
    const chained = await db.transaction(async (tx) => {
      const [lock] = await executeRows<{ locked: boolean }>(
        tx,
        sql`select pg_try_advisory_xact_lock(${CHAIN_LOCK_ID}) as locked`,
      );
      if (!lock?.locked) return 0;
      const rows = await unchained(tx, BATCH);
      let last = (await head(tx)) ?? { seq: 0, hash: GENESIS_HASH };
      const links = rows.map((row) => {
        const seq = last.seq + 1;
        const hash = chainHash(last.hash, { ...row, seq });
        const link = { id: row.id, seq, prevHash: last.hash, hash };
        last = { seq, hash };
        return link;
      });
      await setChain(tx, links);
      return links.length;
    });
    total += chained;
    if (chained < BATCH) return total;
  }
}

/**
 * Runs the chainer every `intervalMs` until stopped, so rows are chained within about that long of their
 * commit. Overlapping ticks are skipped; errors are logged and the next tick tries again.
 * @example const stop = startChainer(db, 1000, logger); … await stop()
 */
export function startChainer(db: Db, intervalMs: number, logger: Logger): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = chainPending(db)
      .catch((error: unknown) => logger.error({ err: error }, 'audit chaining failed'))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
