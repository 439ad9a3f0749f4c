// The registration point: later modules add sections; all sections read one snapshot, read-only.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportRegistry } from '../../src/core/export.ts';
import { executeRows } from '../../src/core/db/database.ts';
import type { TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { buildExportApp, registryOf } from './setup.ts';

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await buildExportApp((app) =>
    registryOf(app).register('widgets', async (db, accountId) => {
      const [row] = await executeRows<{ isolation: string; read_only: string }>(
        db,
        sql`select current_setting('transaction_isolation') as isolation, current_setting('transaction_read_only') as read_only`,
      );
      return { owner: accountId, ...row };
    }),
  );
  user = await signUp(t);
});
afterAll(() => t?.close());

describe('ExportRegistry', () => {
  it('adds a section registered by another module, after the built-in ones, read in one repeatable-read read-only transaction', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/accounts/${user.id}/export`,
      headers: user.headers,
    });
    expect(res.statusCode).toBe(200);
    const { sections } = res.json();
    expect(Object.keys(sections).at(-1)).toBe('widgets');
    expect(sections.widgets).toEqual({ owner: user.id, isolation: 'repeatable read', read_only: 'on' });
  });

  it('refuses a section that writes', async () => {
    const registry = new ExportRegistry();
    registry.register('bad', async (db) => db.execute(sql`create table export_must_not_write (id int)`));
    const error: unknown = await registry.collect(t.db.database.db, user.id).catch((e: unknown) => e);
    expect(String((error as { cause?: unknown }).cause ?? error)).toMatch(/read-only/);
  });

  it('refuses a name twice, and names that are not snake_case', () => {
    const registry = new ExportRegistry();
    registry.register('first', async () => 1);
    expect(() => registry.register('first', async () => 2)).toThrow(/twice/);
    expect(() => registry.register('Not-Snake', async () => 3)).toThrow(/snake_case/);
    expect(registry.sections).toEqual(['first']);
  });
});
