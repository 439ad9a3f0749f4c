// The audit chain: rows written with the change, hash-chained, append-only, verified, and served to admins.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.ts';
import { chainHash, chainPending, GENESIS_HASH, verifyAuditChain } from '../../src/modules/audit/index.ts';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { certificateData } from '../webhooks/helpers.ts';
import { bypassingTrigger, recordSome } from './helpers.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;
const rows = () => t.db.database.db.select().from(auditLog).orderBy(auditLog.seq, auditLog.id);
const chain = () => chainPending(t.db.database.db);
const actorOf = (user: TestUser, requestId = 'req-1') => ({
  accountId: user.id,
  requestId,
  ip: '203.0.113.7',
});

beforeAll(async () => {
  // No background chainer: the tests chain when they choose to.
  // No CA created at boot either: the rows here are the tests' own.
  t = await buildTestApp({ ...QUICK_AUTH_ENV, JOB_WORKERS: 'off', CA_AUTO_INIT: 'off' });
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
});
afterAll(() => t?.close());

describe('recording', () => {
  it('records each certificate change and CA operation with actor, request id, address and time, chained', async () => {
    const before = (await rows()).length;
    const certificate = certificateData(alice.id);
    const actor = actorOf(alice, 'req-issue');
    await t.db.database.db.transaction(async (tx) => {
      const { events } = t.app.ctx;
      await events.emit(tx, 'certificate.issued', { certificate, actor });
      await events.emit(tx, 'certificate.deactivated', {
        certificate: { ...certificate, status: 'on_hold' },
        actor,
      });
      await events.emit(tx, 'certificate.activated', { certificate, actor });
      await events.emit(tx, 'certificate.renewed', {
        certificate: { ...certificate, renewedFrom: certificate.id },
        actor,
      });
      await events.emit(tx, 'certificate.revoked', {
        certificate: { ...certificate, status: 'revoked', revocationReason: 'keyCompromise' },
        actor,
      });
      await events.emit(tx, 'ca.operation', {
        action: 'keys.rotate_master',
        target: 'ca:master-key',
        details: { rewrapped: 2 },
        actor: { accountId: null, requestId: null, ip: null },
      });
    });
    // Written with the change, chained after it.
    expect((await rows()).slice(before).every((r) => r.seq === null && r.hash === null)).toBe(true);
    expect(await chain()).toBe(6);
    const added = (await rows()).slice(before);
    expect(added.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6].map((n) => before + n));
    expect(added.map((r) => r.action)).toEqual([
      'certificate.issued',
      'certificate.deactivated',
      'certificate.activated',
      'certificate.renewed',
      'certificate.revoked',
      'keys.rotate_master',
    ]);
    expect(added[0]).toMatchObject({
      actorId: alice.id,
      requestId: 'req-issue',
      ip: '203.0.113.7',
      target: `certificate:${certificate.id}`,
      details: expect.objectContaining({ serial_number: certificate.serial, owner_id: alice.id }),
    });
    expect(added[4]!.details).toMatchObject({ revocation_reason: 'keyCompromise' });
    expect(added[5]).toMatchObject({ actorId: null, target: 'ca:master-key', details: { rewrapped: 2 } });
    for (const [i, row] of added.entries()) {
      const prev = i === 0 ? ((await rows())[before - 1]?.hash ?? GENESIS_HASH) : added[i - 1]!.hash;
      expect(row.prevHash).toBe(prev);
      expect(row.hash).toBe(chainHash(prev!, { ...row, seq: row.seq! }));
    }
    expect(await verifyAuditChain(t.db.database.db)).toMatchObject({
      ok: true,
      rows: before + 6,
      pending: 0,
    });
  });

  it('writes nothing when the change rolls back', async () => {
    const before = (await rows()).length;
    await expect(
      t.db.database.db.transaction(async (tx) => {
        await t.app.ctx.events.emit(tx, 'certificate.issued', {
          certificate: certificateData(alice.id),
          actor: actorOf(alice),
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await rows()).toHaveLength(before);
  });

  it('keeps one gapless chain under concurrent appends', async () => {
    const before = (await rows()).length;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        t.db.database.db.transaction((tx) =>
          t.app.ctx.events.emit(tx, 'certificate.issued', {
            certificate: certificateData(alice.id),
            actor: actorOf(alice),
          }),
        ),
      ),
    );
    await chain();
    const all = await rows();
    expect(all).toHaveLength(before + 12);
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i + 1));
    expect(await verifyAuditChain(t.db.database.db)).toMatchObject({ ok: true });
  });
});

describe('append-only', () => {
  it.each([
    ['UPDATE', sql`update audit_log set action = 'nothing' where seq = 1`],
    ['DELETE', sql`delete from audit_log where seq = 1`],
    ['TRUNCATE', sql`truncate audit_log`],
  ])('refuses %s in SQL', async (_op, statement) => {
    expect((await rows())[0]!.seq).toBe(1);
    // Drizzle wraps the database error; the trigger's message is its cause.
    await expect(t.db.database.db.execute(statement)).rejects.toMatchObject({
      cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }),
    });
  });

  it('lets a new row be chained once, with nothing else changed', async () => {
    await recordSome(t, actorOf(alice), alice.id, 1);
    const [pending] = (await rows()).filter((r) => r.seq === null);
    await expect(
      t.db.database.db.execute(
        sql`update audit_log set seq = 99999, prev_hash = 'x', hash = 'y', ip = '192.0.2.1' where id = ${pending!.id}`,
      ),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }),
    });
    expect(await chain()).toBe(1);
    await expect(
      t.db.database.db.execute(sql`update audit_log set hash = 'y' where id = ${pending!.id}`),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }),
    });
    expect(await verifyAuditChain(t.db.database.db)).toMatchObject({ ok: true, pending: 0 });
  });
});

describe('tampering', () => {
  it('an edited row is named by verify; restored, the chain holds again', async () => {
    await recordSome(t, actorOf(alice), alice.id, 3);
    await chain();
    const [, second] = await rows();
    const original = JSON.stringify(second!.details);
    await bypassingTrigger(
      t.db.database.db,
      sql`update audit_log set details = jsonb_set(details, '{serial_number}', '"ffff"') where seq = 2`,
    );
    expect(await verifyAuditChain(t.db.database.db)).toEqual({
      ok: false,
      rows: 1,
      broken: { seq: 2, id: second!.id, reason: 'the content does not match its hash' },
    });
    await bypassingTrigger(
      t.db.database.db,
      sql`update audit_log set details = ${original}::jsonb where seq = 2`,
    );
    expect(await verifyAuditChain(t.db.database.db)).toMatchObject({ ok: true });
  });

  it('a recomputed hash does not help: the next row names it', async () => {
    const [, , third] = await rows();
    const forged = { ...third!, action: 'certificate.forged', seq: third!.seq! };
    const hash = chainHash(forged.prevHash!, forged);
    await bypassingTrigger(
      t.db.database.db,
      sql`update audit_log set action = ${forged.action}, hash = ${hash} where seq = 3`,
    );
    expect(await verifyAuditChain(t.db.database.db)).toMatchObject({
      ok: false,
      broken: { seq: 4, reason: 'prev_hash is not the previous row’s hash' },
    });
    await bypassingTrigger(
      t.db.database.db,
      sql`update audit_log set action = ${third!.action}, hash = ${third!.hash} where seq = 3`,
    );
    expect(await verifyAuditChain(t.db.database.db)).toMatchObject({ ok: true });
  });
});

describe('GET /v1/audit', () => {
  const get = (url: string, headers: Record<string, string> = admin.headers) =>
    t.app.inject({ method: 'GET', url, headers });

  it.each([
    ['no credential', {}, 401],
    ['a user', () => alice.headers, 403],
  ] as const)('refuses %s', async (_name, headers, status) => {
    const res = await get('/v1/audit', typeof headers === 'function' ? headers() : headers);
    expect(res.statusCode).toBe(status);
  });

  it('lists newest first with chain fields, and filters by action, actor, target and time', async () => {
    const [certificateId] = await recordSome(t, actorOf(admin, 'req-admin'), alice.id, 1);
    await chain();
    const all = await get('/v1/audit');
    expect(all.statusCode).toBe(200);
    const items = all.json().items as { id: string; seq: number; hash: string; prev_hash: string }[];
    expect(items[0]).toMatchObject({
      action: 'certificate.issued',
      actor_id: admin.id,
      request_id: 'req-admin',
    });
    expect(items.map((i) => i.id)).toEqual([...items.map((i) => i.id)].sort().reverse());
    expect(items[0]!.prev_hash).toBe(items[1]!.hash);

    const byTarget = await get(`/v1/audit?target=certificate:${certificateId}`);
    expect(byTarget.json().items).toHaveLength(1);
    const byActor = await get(`/v1/audit?actor_id=${admin.id}`);
    expect(byActor.json().items.every((i: { actor_id: string }) => i.actor_id === admin.id)).toBe(true);
    const byAction = await get('/v1/audit?action=keys.rotate_master');
    expect(byAction.json().items).toHaveLength(1);
    const future = await get(`/v1/audit?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.json().items).toHaveLength(0);
    const past = await get('/v1/audit?until=2000-01-01T00:00:00Z');
    expect(past.json().items).toHaveLength(0);
  });

  it('pages with a cursor; a forged cursor is 400, a bad filter 422', async () => {
    const total = (await rows()).length;
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/v1/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((i: { seq: number }) => i.seq));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect((await get('/v1/audit?cursor=Zm9yZ2Vk')).statusCode).toBe(400);
    expect((await get('/v1/audit?since=yesterday')).statusCode).toBe(422);
    expect((await get('/v1/audit?actor_id=nobody')).statusCode).toBe(422);
  });
});
