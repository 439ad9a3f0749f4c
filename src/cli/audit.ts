import type { Config } from '../core/config/config.ts';
import { openDatabase } from '../server.ts';
import { chainPending, verifyAuditChain } from '../modules/audit/index.ts';

/**
 * `bulwark audit verify`: links rows still waiting into the chain (what a running server does every
 * second), then walks it; exit 0 when every row holds (printing the head hash, to be recorded elsewhere),
 * 1 naming the first broken row.
 */
export async function auditVerify(config: Config, out: (line: string) => void): Promise<number> {
  const database = await openDatabase(config);
  try {
    await chainPending(database.db);
    const report = await verifyAuditChain(database.db);
    if (report.ok) {
      const waiting = report.pending > 0 ? `; ${report.pending} row(s) being chained by a server` : '';
      out(`audit chain intact: ${report.rows} row(s); head ${report.headSeq} ${report.headHash}${waiting}`);
      return 0;
    }
    const { seq, id, reason } = report.broken;
    out(`audit chain BROKEN at row ${seq} (id ${id}): ${reason}; ${report.rows} row(s) before it check out`);
    return 1;
  } finally {
    await database.close();
  }
}
