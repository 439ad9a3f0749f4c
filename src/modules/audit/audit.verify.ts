import type { DbOrTx } from '../../core/db/database.ts';
import { chainHash, GENESIS_HASH } from './audit.chain.ts';
import { batchAfter, countUnchained } from './audit.repository.ts';

export type ChainReport =
  | {
      readonly ok: true;
      /** Chained rows, all checked. */
      readonly rows: number;
      readonly headSeq: number;
      readonly headHash: string;
      /** Rows committed but not chained yet (the chainer runs about every second). */
      readonly pending: number;
    }
  | {
      readonly ok: false;
      /** Rows that checked out before the break. */
      readonly rows: number;
      readonly broken: { readonly seq: number; readonly id: string; readonly reason: string };
    };

const BATCH = 1000;

/**
 * Walks the whole chain in order and reports the first row that does not hold: a gap in `seq` (a row
 * deleted before it), a `prev_hash` that is not the previous row's hash (a row deleted or reordered), or a
 * `hash` that does not match the row's content (a row edited). Truncating the tail cannot be seen from the
 * chain alone: compare `headHash` with one recorded elsewhere.
 * @example const report = await verifyAuditChain(db); if (!report.ok) console.error(report.broken)
 */
export async function verifyAuditChain(db: DbOrTx): Promise<ChainReport> {
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  for (;;) {
    const rows = await batchAfter(db, prevSeq, BATCH);
    for (const row of rows) {
      const seq = row.seq ?? 0;
      const broken = (reason: string): ChainReport => ({
        ok: false,
        rows: prevSeq,
        broken: { seq, id: row.id, reason },
      });
      if (seq !== prevSeq + 1) return broken(`row ${prevSeq + 1} is missing (the next row is ${seq})`);
      if (row.prevHash !== prevHash) return broken('prev_hash is not the previous row’s hash');
      if (row.hash !== chainHash(prevHash, { ...row, seq }))
        return broken('the content does not match its hash');
      prevHash = row.hash;
      prevSeq = seq;
    }
    if (rows.length < BATCH) {
      return {
        ok: true,
        rows: prevSeq,
        headSeq: prevSeq,
        headHash: prevHash,
        pending: await countUnchained(db),
      };
    }
  }
}
