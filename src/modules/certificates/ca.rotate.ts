import { eq, isNotNull } from 'drizzle-orm';
import type { Database } from '../../core/db/database.ts';
import type { DomainEventHooks } from '../../core/events.ts';
import { certificateAuthorities } from '../../db/schema/index.ts';
import { lockCa, SYSTEM_ACTOR } from './ca.init.ts';
import { masterKeyId, rewrapDataKey, type MasterKeys } from './ca.keys.ts';

/**
 * `bulwark keys rotate-master`: rewraps every CA data key still under the previous master key with the current
 * one, in one transaction. The CA private keys themselves are not re-encrypted (their data keys do not change).
 * Running instances hold both keys (MASTER_KEY and MASTER_KEY_PREVIOUS) during the rotation, so none stops.
 * @example await rotateMasterKey(database, { current: newKey, previous: oldKey }, events)
 */
export async function rotateMasterKey(
  database: Database,
  keys: MasterKeys,
  events: DomainEventHooks,
): Promise<{ rewrapped: number; alreadyCurrent: number }> {
  const currentId = masterKeyId(keys.current);
  return database.db.transaction(async (tx) => {
    await lockCa(tx);
    const rows = await tx
      .select()
      .from(certificateAuthorities)
      .where(isNotNull(certificateAuthorities.dataKeyWrapped))
      .for('update');
    let rewrapped = 0;
    for (const row of rows) {
      if (row.masterKeyId === currentId) continue;
      const next = rewrapDataKey(keys, {
        privateKeySealed: row.privateKeySealed!,
        dataKeyWrapped: row.dataKeyWrapped!,
        masterKeyId: row.masterKeyId!,
      });
      await tx.update(certificateAuthorities).set(next).where(eq(certificateAuthorities.id, row.id));
      rewrapped++;
    }
    await events.emit(tx, 'ca.operation', {
      action: 'master_key.rotate',
      target: currentId,
      details: { rewrapped, previous: keys.previous ? masterKeyId(keys.previous) : null },
      actor: SYSTEM_ACTOR,
    });
    return { rewrapped, alreadyCurrent: rows.length - rewrapped };
  });
}
