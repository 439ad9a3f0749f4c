// Memory stays bounded: lines are read only as fast as batches are written (one batch in flight, one
// being filled), whatever the size of the file. A stand-in database makes every write slow.
import { expect, it } from 'vitest';
import type { Database } from '../../src/core/db/database.ts';
import { importAccounts } from '../../src/modules/accounts/accounts.import.ts';
import { BCRYPT, jsonLine } from './helpers.ts';

it('reads no further than two batches ahead of what is written', async () => {
  const BATCH = 100;
  let produced = 0;
  let written = 0;
  let furthestAhead = 0;
  async function* source() {
    for (let i = 0; i < 5_000; i++) {
      produced += 1;
      yield `${jsonLine({ email: `bp${i}@example.com`, password_hash: BCRYPT })}\n`;
    }
  }
  const slowDatabase = {
    async query(_text: string, params: unknown[]) {
      furthestAhead = Math.max(furthestAhead, produced - written);
      await new Promise((resolve) => setTimeout(resolve, 2));
      const rows = (params[0] as string[]).length;
      written += rows;
      return [{ inserted: rows, updated: 0, importable: 0, kept: [], raced: [] }];
    },
  } as unknown as Database;

  const summary = await importAccounts(slowDatabase, source(), { batchSize: BATCH });
  expect(summary).toMatchObject({ lines: 5_000, inserted: 5_000, rejected: 0 });
  expect(written).toBe(5_000);
  expect(furthestAhead).toBeLessThanOrEqual(2 * BATCH + 1);
});
