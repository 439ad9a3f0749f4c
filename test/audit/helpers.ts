import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../src/core/db/database.ts';
import type { Actor } from '../../src/core/events.ts';
import type { TestApp } from '../helpers/app.ts';
import { certificateData } from '../webhooks/helpers.ts';

/** Emits certificate changes and CA operations as the CA would, each in its own transaction. */
export async function recordSome(t: TestApp, actor: Actor, ownerId: string, count = 3): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const certificate = certificateData(ownerId, { serial: `0${i}` });
    ids.push(certificate.id);
    await t.app.ctx.database.db.transaction(async (tx) => {
      await t.app.ctx.events.emit(tx, 'certificate.issued', { certificate, actor });
    });
  }
  return ids;
}

/** Runs a statement as an owner who switched the append-only trigger off: what a tamperer would do. */
export async function bypassingTrigger(db: DbOrTx, statement: ReturnType<typeof sql>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
    await tx.execute(statement);
    await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
  });
}
