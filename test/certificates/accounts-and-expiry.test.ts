// An account's deletion revokes its certificates (cessationOfOperation) in the same transaction; its
// certificates are in its export; the daily sweep marks expired certificates and announces expiry once per
// threshold; events carry no private key.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows } from '../../src/core/db/database.ts';
import type { DomainEvents } from '../../src/core/events.ts';
import { sweepExpiry } from '../../src/modules/certificates/certificates.jobs.ts';
import type { TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { buildCaApp, issue, patch } from './setup.ts';

let t: TestApp;
let admin: TestUser;
const seen: { name: string; payload: unknown }[] = [];

beforeAll(async () => {
  t = await buildCaApp();
  admin = await signUp(t, { admin: true });
  for (const name of [
    'certificate.issued',
    'certificate.revoked',
    'certificate.expiring',
    'certificate.renewed',
  ] as const)
    t.app.ctx.events.on(name, async (_tx, payload: DomainEvents[typeof name]) => {
      seen.push({ name, payload });
    });
});
afterAll(() => t?.close());

const get = (user: TestUser, id: string) =>
  t.app.inject({ url: `/v1/certificates/${id}`, headers: user.headers });

describe('accounts', () => {
  it('the export lists the account’s certificates; deletion revokes them with cessationOfOperation', async () => {
    const carol = await signUp(t);
    const a = await issue(t, carol, { subject: { common_name: 'carol.example.com' } });
    const b = await issue(t, carol, { subject: { common_name: 'carol2.example.com' } });
    await patch(t, carol, b.id, { action: 'deactivate' });
    const exported = await t.app.inject({ url: `/v1/accounts/${carol.id}/export`, headers: carol.headers });
    expect(exported.statusCode, exported.body).toBe(200);
    const section = exported.json().sections.certificates as { id: string; certificate_pem: string }[];
    expect(section.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    expect(exported.body).not.toContain('PRIVATE KEY');

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${carol.id}`,
      headers: admin.headers,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    for (const id of [a.id, b.id]) {
      expect((await get(admin, id)).json()).toMatchObject({
        status: 'revoked',
        revocation_reason: 'cessationOfOperation',
      });
    }
    const crl = await t.app.inject({ url: '/v1/ca/crl' });
    expect(crl.statusCode).toBe(200);
  });
});

describe('the daily expiry sweep', () => {
  it('marks expired ones and sends certificate.expiring at 30, 7 and 1 days, once each', async () => {
    const user = await signUp(t);
    const soon = await issue(t, user, { subject: { common_name: 'soon.example.com' } });
    const past = await issue(t, user, { subject: { common_name: 'past.example.com' } });
    const far = await issue(t, user, { subject: { common_name: 'far.example.com' } });
    const db = t.db.database.db;
    const setNotAfter = (id: string, interval: string) =>
      db.execute(sql`update certificates set not_after = now() + ${interval}::interval where id = ${id}`);
    await setNotAfter(soon.id, '20 days');
    await setNotAfter(past.id, '-1 hour');
    const expiring = () =>
      seen.filter((e) => e.name === 'certificate.expiring') as {
        payload: DomainEvents['certificate.expiring'];
      }[];
    const mine = () =>
      expiring().filter((e) => [soon.id, far.id, past.id].includes(e.payload.certificate.id));

    await sweepExpiry(t.app.ctx);
    expect(mine().map((e) => [e.payload.certificate.id, e.payload.daysLeft])).toEqual([[soon.id, 30]]);
    const [row] = await executeRows<{ status: string }>(
      db,
      sql`select status from certificates where id = ${past.id}`,
    );
    expect(row!.status).toBe('expired');

    await sweepExpiry(t.app.ctx);
    expect(mine()).toHaveLength(1); // once per threshold
    await setNotAfter(soon.id, '5 days');
    await sweepExpiry(t.app.ctx);
    await setNotAfter(soon.id, '12 hours');
    await sweepExpiry(t.app.ctx);
    await sweepExpiry(t.app.ctx);
    expect(mine().map((e) => e.payload.daysLeft)).toEqual([30, 7, 1]);
    expect(mine()[0]!.payload.actor).toEqual({ accountId: null, requestId: null, ip: null });
  });

  it('events carry the actor (account, request id, address) and never a private key', async () => {
    const user = await signUp(t);
    const cert = await issue(t, user, { subject: { common_name: 'events.example.com' } });
    const issued = seen.find(
      (e) =>
        e.name === 'certificate.issued' &&
        (e.payload as DomainEvents['certificate.issued']).certificate.id === cert.id,
    )!;
    const payload = issued.payload as DomainEvents['certificate.issued'];
    expect(payload.actor.accountId).toBe(user.id);
    expect(payload.actor.requestId).toBeTruthy();
    expect(payload.actor.ip).toBe('127.0.0.1');
    expect(JSON.stringify(seen)).not.toContain('PRIVATE KEY');
  });
});
