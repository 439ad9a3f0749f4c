// GROUP_INVITE_THROTTLE: every invitation is a mail, so one account sends, and one account receives, only
// so many per window (429 with Retry-After, nothing written); refused invitations (409) cost nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGroupsApp, client, groupWith, person, type GroupsTestApp } from './setup.ts';

let t: GroupsTestApp;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  t = await buildGroupsApp({
    env: {
      RATE_LIMIT: 'on',
      GROUP_INVITE_THROTTLE: '2/1h',
      LOGIN_THROTTLE: '1000/1m',
      REGISTER_THROTTLE: '1000/1m',
    },
  });
  api = client(t);
});
afterAll(() => t?.close());

describe('invitation throttle', () => {
  it('an owner sends at most two invitations in the window; the third is 429 and writes nothing', async () => {
    const owner = await person(t, 'Owner');
    const [a, b, c] = [await person(t, 'A'), await person(t, 'B'), await person(t, 'C')];
    const { groupId } = await groupWith(t, { owner });
    expect((await api.invite(owner.headers, groupId, a.id)).statusCode).toBe(201);
    // A conflict is refused before the throttle: it sends nothing, so it costs nothing.
    expect((await api.invite(owner.headers, groupId, a.id)).statusCode).toBe(409);
    expect((await api.invite(owner.headers, groupId, b.id)).statusCode).toBe(201);
    const before = await t.counts();
    const res = await api.invite(owner.headers, groupId, c.id);
    expect(res.statusCode, res.body).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json().detail).toMatch(/sent too many/);
    expect(await t.counts()).toEqual(before);
  });

  it('an account receives at most two invitations in the window, whoever sends them', async () => {
    const target = await person(t, 'Popular');
    const owners = [await person(t, 'P'), await person(t, 'Q'), await person(t, 'R')];
    const groups = [];
    for (const owner of owners) groups.push((await groupWith(t, { owner })).groupId);
    expect((await api.invite(owners[0]!.headers, groups[0]!, target.id)).statusCode).toBe(201);
    expect((await api.invite(owners[1]!.headers, groups[1]!, target.id)).statusCode).toBe(201);
    const res = await api.invite(owners[2]!.headers, groups[2]!, target.id);
    expect(res.statusCode).toBe(429);
    expect(res.json().detail).toMatch(/received too many/);
    expect((await api.mine(target.headers)).json().items).toHaveLength(2);
  });
});
