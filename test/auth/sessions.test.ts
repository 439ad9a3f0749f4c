// GET /v1/auth/sessions and DELETE /v1/auth/sessions/{id}: one's own sign-ins only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { bearer, cookieLogin, passwordGrant, signUp, type TestUser } from '../helpers/auth.ts';
import { decodeJwt } from '../helpers/jwt.ts';
import { buildAuthApp, expectProblem, expectUnauthenticated, getMe } from './setup.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await buildAuthApp();
  alice = await signUp(t);
  bob = await signUp(t);
});
afterAll(() => t?.close());

const list = (headers: Record<string, string>) =>
  t.app.inject({ method: 'GET', url: '/v1/auth/sessions', headers });
const revoke = (id: string, headers: Record<string, string>) =>
  t.app.inject({ method: 'DELETE', url: `/v1/auth/sessions/${id}`, headers });
const sid = (token: string) => String(decodeJwt(token).payload.sid);
const refresh = (refreshToken: string) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: refreshToken } });

describe('GET /v1/auth/sessions', () => {
  it("lists one's own token and cookie sessions, marks the current one, and none of anyone else's", async () => {
    const second = await passwordGrant(t, alice.email);
    await cookieLogin(t, alice.email);
    const res = await list(alice.headers);
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { id: string; kind: string; current: boolean }[];
    expect(items.map((s) => s.id)).toEqual(
      expect.arrayContaining([sid(alice.token), sid(second.accessToken)]),
    );
    expect(items.map((s) => s.kind).sort()).toEqual(expect.arrayContaining(['cookie', 'token']));
    expect(items.filter((s) => s.current).map((s) => s.id)).toEqual([sid(alice.token)]);
    expect(items.map((s) => s.id)).not.toContain(sid(bob.token));
    expect(items[0]).toEqual({
      id: expect.any(String),
      kind: expect.any(String),
      created_at: expect.any(String),
      last_used_at: expect.any(String),
      expires_at: expect.any(String),
      user_agent: expect.toBeOneOf([expect.any(String), null]),
      ip: expect.toBeOneOf([expect.any(String), null]),
      current: expect.any(Boolean),
    });
  });

  it('without a credential → 401', async () => {
    expectUnauthenticated(await t.app.inject({ method: 'GET', url: '/v1/auth/sessions' }));
  });
});

describe('DELETE /v1/auth/sessions/{id}', () => {
  it('revokes one of my sessions: its tokens are refused at once, it leaves the list, the others live', async () => {
    const user = await signUp(t);
    const other = await passwordGrant(t, user.email);
    const res = await revoke(sid(other.accessToken), user.headers);
    expect(res.statusCode).toBe(204);
    expectUnauthenticated(await getMe(t.app, bearer(other.accessToken)), 'invalid_token');
    expect((await refresh(other.refreshToken)).statusCode).toBe(401);
    const ids = (await list(user.headers)).json().items.map((s: { id: string }) => s.id);
    expect(ids).not.toContain(sid(other.accessToken));
    expect((await getMe(t.app, user.headers)).statusCode).toBe(200);
  });

  it('revoking the current session refuses the token that asked', async () => {
    const user = await signUp(t);
    expect((await revoke(sid(user.token), user.headers)).statusCode).toBe(204);
    expect((await getMe(t.app, user.headers)).statusCode).toBe(401);
  });

  it("someone else's session → 404, and it keeps working", async () => {
    const victim = await signUp(t);
    expectProblem(await revoke(sid(victim.token), alice.headers), 404);
    expect((await getMe(t.app, victim.headers)).statusCode).toBe(200);
    expect((await refresh(victim.refreshToken)).statusCode).toBe(200);
  });

  it("an admin revoking someone else's session → 404 too (the route is for one's own)", async () => {
    const admin = await signUp(t, { admin: true });
    const victim = await signUp(t);
    expectProblem(await revoke(sid(victim.token), admin.headers), 404);
    expect((await getMe(t.app, victim.headers)).statusCode).toBe(200);
  });

  it.each([
    ['an unknown id', '01890a5d-ac96-774b-bcce-b302099a8057', 404],
    ['an id that is not a UUID', 'not-a-uuid', 422],
  ])('%s → %i', async (_name, id, status) => {
    expectProblem(await revoke(id, alice.headers), status);
  });

  it('an already revoked session → 404', async () => {
    const other = await passwordGrant(t, alice.email);
    expect((await revoke(sid(other.accessToken), alice.headers)).statusCode).toBe(204);
    expectProblem(await revoke(sid(other.accessToken), alice.headers), 404);
  });

  it('without a credential → 401', async () => {
    expectUnauthenticated(await revoke(sid(alice.token), {}));
  });
});
