import {
  createRotatingSecretBox,
  createSecretBox,
  resealUnder,
  type SecretBox,
} from '../../core/crypto/secret-box.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import * as repo from './webhooks.repository.ts';

const PURPOSE = 'webhook-secrets';

/**
 * Seals webhook secrets under the current master key and opens them under it or, during a master-key
 * rotation, under the previous one, so deliveries go on while `bulwark keys rotate-master` reseals.
 * @example const box = webhookSecretBox(config.masterKey, config.masterKeyPrevious)
 */
export function webhookSecretBox(current: Buffer, previous?: Buffer): SecretBox {
  return createRotatingSecretBox(current, previous, PURPOSE);
}

/**
 * Reseals every webhook secret still under `from` with `to`, in the caller's transaction (the one that
 * rewraps the CA keys in `bulwark keys rotate-master`). Idempotent: secrets already under `to` are left
 * alone, so running it again after an interruption is safe. Returns how many were resealed.
 * @example await resealWebhookSecrets(tx, previousMasterKey, masterKey)
 */
export async function resealWebhookSecrets(db: DbOrTx, from: Buffer, to: Buffer): Promise<number> {
  const current = createSecretBox(to, PURPOSE);
  const previous = createSecretBox(from, PURPOSE);
  const changed: { id: string; secretSealed: string }[] = [];
  for (const row of await repo.allSealedSecrets(db)) {
    const next = resealUnder(current, previous, row.secretSealed);
    if (next !== undefined) changed.push({ id: row.id, secretSealed: next });
  }
  await repo.updateSealedSecrets(db, changed);
  return changed.length;
}
