import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { enqueue } from '../../src/core/jobs/queue.ts';
import { jobs } from '../../src/db/schema/index.ts';
import { insert } from '../../src/modules/accounts/accounts.repository.ts';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

// A server log must never carry what a failed statement was bound to: the database errors below all have
// a password hash, an address or a token among their parameters (or quoted in the driver's message).
const HASH = `$argon2id$v=19$m=65536,t=3,p=4$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;
const EMAIL = `leaky-${randomBytes(4).toString('hex')}@example.com`;
const TOKEN = randomBytes(32).toString('base64url');
const SECRETS = [HASH, EMAIL, TOKEN, HASH.split('$').at(-1)!];

let t: TestDatabase;
let app: FastifyInstance;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  app = await buildApp({
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', DATA_DIR: '/nonexistent' }),
    database: t.database,
    masterKey: randomBytes(32),
    startWorker: false,
    logStream: stream,
    extend(app) {
      const { db } = app.ctx.database;
      // A duplicate address with a hash: Drizzle's error message lists both among its params.
      const duplicate = () => insert(db, { id: crypto.randomUUID(), email: EMAIL, passwordHash: HASH });
      app.post('/test/duplicate', async () => {
        await duplicate();
        return { ok: true };
      });
      // A malformed uuid: the driver's own message quotes the value.
      app.post('/test/cast', async () => db.execute(sql`select 1 from accounts where id = ${TOKEN}::uuid`));
      app.ctx.worker.register('test.leaky-insert', async () => duplicate());
      app.ctx.worker.register('test.leaky-message', async () => {
        throw new Error(`mail to ${EMAIL} with reset token ${TOKEN} and hash ${HASH} failed`);
      });
    },
  });
  await app.ready();
  await insert(t.database.db, { id: crypto.randomUUID(), email: EMAIL, passwordHash: HASH });
});
afterAll(async () => {
  await app.close();
  await t.destroy();
});

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('database errors in the server log', () => {
  it.each([
    ['a unique violation carrying a hash and an address', '/test/duplicate', '23505'],
    ['a cast error quoting a token', '/test/cast', '22P02'],
  ])('%s: 500 logged by SQLSTATE and constraint only', async (_name, url, code) => {
    const before = lines.length;
    const res = await app.inject({ method: 'POST', url });
    expect(res.statusCode).toBe(500);
    expectNoSecret(res.body);
    const logged = lines.slice(before).join('\n');
    expect(logged).toContain('unhandled error');
    expect(logged).toContain(code);
    if (code === '23505') expect(logged).toContain('accounts_email_lower_idx');
    expectNoSecret(logged);
  });
});

describe('failed jobs', () => {
  it.each([
    ['a failed insert', 'test.leaky-insert', /database error 23505 on accounts_email_lower_idx/],
    [
      'an error message quoting secrets',
      'test.leaky-message',
      /^mail to \[redacted\] with reset token \[redacted\]/,
    ],
  ])('%s: jobs.last_error and the log are scrubbed', async (_name, queue, expected) => {
    const before = lines.length;
    const id = await enqueue(t.database.db, queue, {});
    expect(await app.ctx.worker.drain()).toBe(1);
    const [row] = await t.database.db.select().from(jobs).where(eq(jobs.id, id!));
    expect(row!.lastError).toMatch(expected);
    expectNoSecret(row!.lastError!);
    const logged = lines.slice(before).join('\n');
    expect(logged).toContain('job failed');
    expectNoSecret(logged);
  });

  it('control: an ordinary message is kept as it is', async () => {
    app.ctx.worker.register('test.plain', async () => {
      throw new Error('SMTP server said 421 try again later');
    });
    const id = await enqueue(t.database.db, 'test.plain', {});
    await app.ctx.worker.drain();
    const [row] = await t.database.db.select().from(jobs).where(eq(jobs.id, id!));
    expect(row!.lastError).toBe('SMTP server said 421 try again later');
  });
});
