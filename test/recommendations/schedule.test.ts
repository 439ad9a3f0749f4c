import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { feedback, items } from '../../src/db/schema/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

// Retraining on enough new feedback, and one trainer at a time across instances.
describe('the recommendation trainer', () => {
  let t: TestApp;
  const ids = Array.from({ length: 6 }, () => newId());
  const rate = (user: string, item: string) => ({
    userKey: user,
    itemId: item,
    slot: 2,
    type: 'rating' as const,
    value: 4,
    at: new Date(),
  });

  beforeAll(async () => {
    t = await buildTestApp({
      RECO_RETRAIN_MIN_FEEDBACK: '3',
      RECO_RETRAIN_INTERVAL: '1h',
      RECO_CHECK_INTERVAL: '1h',
    });
    await t.db.database.db
      .insert(items)
      .values(ids.map((id, i) => ({ id, kind: 'book' as const, title: `Book ${i}`, genres: ['Poetry'] })));
  });
  afterAll(() => t?.close());

  it('trains at the first check once there is feedback, then only when enough new feedback arrived', async () => {
    const { trainer } = t.app.reco;
    await trainer.tick();
    expect(trainer.current).toBeNull(); // no feedback yet: nothing to learn
    await t.db.database.db.insert(feedback).values([rate('ext:a', ids[0]!), rate('ext:a', ids[1]!)]);
    await trainer.tick();
    const first = trainer.current?.id;
    expect(first).toBeDefined();
    await t.db.database.db.insert(feedback).values([rate('ext:b', ids[0]!), rate('ext:b', ids[2]!)]);
    await trainer.tick();
    expect(trainer.current?.id).toBe(first); // 2 new rows < RECO_RETRAIN_MIN_FEEDBACK
    await t.db.database.db.insert(feedback).values(rate('ext:c', ids[3]!));
    await trainer.tick();
    expect(trainer.current?.id).not.toBe(first);
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    'does not train while another instance holds the trainers’ lock',
    async () => {
      const pool = t.db.database.pool!;
      const other = await pool.connect();
      try {
        await other.query('select pg_advisory_lock(727274011)');
        await expect(t.app.reco.trainer.train()).resolves.toBe(false);
        await other.query('select pg_advisory_unlock(727274011)');
        await expect(t.app.reco.trainer.train()).resolves.toBe(true);
      } finally {
        other.release();
      }
    },
  );
});
