import type { Config } from '../core/config/config.ts';
import { openDatabase } from '../server.ts';
import { verifyAuditChain } from '../modules/audit/index.ts';

/**
 * `bulwark audit verify`: walks the audit chain; exit 0 when every row holds (printing the head hash, to be
 * recorded elsewhere), 1 naming the first broken row.
 */
export async function auditVerify(config: Config, out: (line: string) => void): Promise<number> {
  const database = await openDatabase(config);
  try {
    const report = await verifyAuditChain(database.db);
    if (report.ok) {
      out(`audit chain intact: ${report.rows} row(s); head ${report.headSeq} ${report.headHash}`);
      return 0;
    }
    const { seq, id, reason } = report.broken;
    out(`audit chain BROKEN at row ${seq} (id ${id}): ${reason}; ${report.rows} row(s) before it check out`);
    return 1;
  } finally {
    await database.close();
  }
}
