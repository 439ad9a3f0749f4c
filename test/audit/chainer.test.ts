// The running app links committed audit rows into the chain by itself, within about a second.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.ts';
import { verifyAuditChain } from '../../src/modules/audit/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { certificateData, SYSTEM } from '../webhooks/helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ CA_AUTO_INIT: 'off' }); // JOB_WORKERS on (the default): the chainer runs
});
afterAll(() => t?.close());

it('chains a committed row without being asked', async () => {
  await t.db.database.db.transaction((tx) =>
    t.app.ctx.events.emit(tx, 'certificate.revoked', {
      certificate: certificateData(crypto.randomUUID()),
      actor: SYSTEM,
    }),
  );
  const deadline = Date.now() + 10_000;
  let rows = await t.db.database.db.select().from(auditLog);
  while (rows.some((r) => r.seq === null) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    rows = await t.db.database.db.select().from(auditLog);
  }
  expect(rows).toEqual([expect.objectContaining({ seq: 1, action: 'certificate.revoked' })]);
  expect(await verifyAuditChain(t.db.database.db)).toMatchObject({ ok: true, rows: 1, pending: 0 });
});
