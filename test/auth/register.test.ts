// POST /v1/auth/register: happy path, conflicts and bad input.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema/accounts.ts';
import type { TestApp } from '../helpers/app.ts';
import { register, uniqueEmail, PASSWORD } from '../helpers/auth.ts';
import { buildAuthApp, expectProblem } from './setup.ts';

let t: TestApp;

beforeAll(async () => {
  t = await buildAuthApp();
});
afterAll(() => t?.close());

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/register', headers, payload: payload as string });

describe('POST /v1/auth/register', () => {
  it('→ 201 {user}: a plain user, unverified, the password stored as argon2id and never echoed', async () => {
    const email = uniqueEmail();
    const res = await post({ email, password: PASSWORD, name: 'Ada' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().user).toMatchObject({
      id: expect.any(String),
      email,
      name: 'Ada',
      roles: ['user'],
      email_verified: false,
      is_active: true,
    });
    expect(res.body).not.toMatch(/argon2|password/i);
    const [row] = await t.db.database.db.select().from(accounts).where(eq(accounts.id, res.json().user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('→ 409 for an email already taken, whatever its case', async () => {
    const email = uniqueEmail();
    await register(t, email);
    expectProblem(await post({ email: email.toUpperCase(), password: PASSWORD }), 409);
  });

  it.each([
    ['a password in the common list', { email: 'EMAIL', password: 'password123' }, 422],
    ['a password under 8 characters', { email: 'EMAIL', password: 'Sh0rt!' }, 422],
    ['a password over 128 characters', { email: 'EMAIL', password: 'x'.repeat(129) }, 422],
    ['not an email', { email: 'not-an-email', password: PASSWORD }, 422],
    ['no password', { email: 'EMAIL' }, 422],
    ['an unknown field (roles)', { email: 'EMAIL', password: PASSWORD, roles: ['admin'] }, 422],
  ])('%s → %i', async (_name, body, status) => {
    const payload = { ...body, email: body.email === 'EMAIL' ? uniqueEmail() : body.email };
    const res = await post(payload);
    expectProblem(res, status);
    expect(res.json().errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^\/body/) })]),
    );
  });

  it('an unknown field never grants anything: no admin account is created', async () => {
    const email = uniqueEmail();
    const res = await post({ email, password: PASSWORD, roles: ['admin'], is_active: true });
    expectProblem(res, 422);
    const rows = await t.db.database.db.select().from(accounts).where(eq(accounts.email, email));
    expect(rows).toEqual([]);
  });

  it.each([
    ['broken JSON', '{"email":', { 'content-type': 'application/json' }, 400],
    ['text/plain', 'email=a@b.c', { 'content-type': 'text/plain' }, 415],
  ])('%s → %i', async (_name, payload, headers, status) => {
    expectProblem(await post(payload, headers), status);
  });
});
