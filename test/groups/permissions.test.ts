// Who may do what to a group: owner, member, pending invitee, stranger and an admin stranger, against every
// action, each on a fresh group. Members read, the owner manages, the invitee answers its invitation, and
// everyone else gets 404 — never 403, which would reveal that the group exists (004 let anyone read any group).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAdmin, passwordGrant, bearer } from '../helpers/auth.ts';
import { buildGroupsApp, client, groupWith, person, type GroupsTestApp, type Person } from './setup.ts';

let t: GroupsTestApp;
let api: ReturnType<typeof client>;
const people = {} as Record<'owner' | 'member' | 'invitee' | 'stranger' | 'admin' | 'extra', Person>;

beforeAll(async () => {
  // An in-process recommender that returns nothing: this file is about who may call, not what comes back.
  t = await buildGroupsApp({ recommendForAccounts: async () => ({ items: [] }) });
  api = client(t);
  for (const role of ['owner', 'member', 'invitee', 'stranger', 'admin', 'extra'] as const)
    people[role] = await person(t, role[0]!.toUpperCase() + role.slice(1));
  await makeAdmin(t, people.admin.id);
  const { accessToken } = await passwordGrant(t, people.admin.email);
  people.admin = { ...people.admin, headers: bearer(accessToken) };
});
afterAll(() => t?.close());

type Actor = keyof typeof people | 'nobody';
type Action =
  | 'get'
  | 'patch'
  | 'delete'
  | 'invite'
  | 'list invitations'
  | 'accept'
  | 'refuse or withdraw'
  | 'recommendations';

async function perform(action: Action, actor: Actor, groupId: string, invitationId: string) {
  const h = actor === 'nobody' ? {} : people[actor].headers;
  switch (action) {
    case 'get':
      return api.get(h, groupId);
    case 'patch':
      return api.patch(h, groupId, { name: 'Renamed', aggregation: 'least_misery' });
    case 'delete':
      return api.remove(h, groupId);
    case 'invite':
      return api.invite(h, groupId, people.extra.id);
    case 'list invitations':
      return api.invitations(h, groupId);
    case 'accept':
      return api.accept(h, groupId, invitationId);
    case 'refuse or withdraw':
      return api.refuse(h, groupId, invitationId);
    case 'recommendations':
      return api.recommendations(h, groupId);
  }
}

const matrix: [Action, Actor, number][] = [
  ['get', 'owner', 200],
  ['get', 'member', 200],
  ['get', 'invitee', 404],
  ['get', 'stranger', 404],
  ['get', 'admin', 404],
  ['get', 'nobody', 401],
  ['patch', 'owner', 200],
  ['patch', 'member', 403],
  ['patch', 'invitee', 404],
  ['patch', 'stranger', 404],
  ['patch', 'admin', 404],
  ['patch', 'nobody', 401],
  ['delete', 'owner', 204],
  ['delete', 'member', 204],
  ['delete', 'invitee', 404],
  ['delete', 'stranger', 404],
  ['delete', 'admin', 404],
  ['delete', 'nobody', 401],
  ['invite', 'owner', 201],
  ['invite', 'member', 403],
  ['invite', 'invitee', 404],
  ['invite', 'stranger', 404],
  ['invite', 'admin', 404],
  ['invite', 'nobody', 401],
  ['list invitations', 'owner', 200],
  ['list invitations', 'member', 403],
  ['list invitations', 'invitee', 404],
  ['list invitations', 'stranger', 404],
  ['list invitations', 'admin', 404],
  ['accept', 'invitee', 200],
  ['accept', 'owner', 403],
  ['accept', 'member', 404],
  ['accept', 'stranger', 404],
  ['accept', 'admin', 404],
  ['accept', 'nobody', 401],
  ['refuse or withdraw', 'invitee', 204],
  ['refuse or withdraw', 'owner', 204],
  ['refuse or withdraw', 'member', 404],
  ['refuse or withdraw', 'stranger', 404],
  ['refuse or withdraw', 'admin', 404],
  ['refuse or withdraw', 'nobody', 401],
  ['recommendations', 'owner', 200],
  ['recommendations', 'member', 200],
  ['recommendations', 'invitee', 404],
  ['recommendations', 'stranger', 404],
  ['recommendations', 'admin', 404],
  ['recommendations', 'nobody', 401],
];

describe('permission matrix', () => {
  it.each(matrix)('%s by %s → %i', async (action, actor, status) => {
    const { owner, member, invitee } = people;
    const { groupId, invitationId } = await groupWith(t, { owner, member, invitee });
    const before = await t.counts();
    const res = await perform(action, actor, groupId, invitationId!);
    expect(res.statusCode, res.body).toBe(status);
    if (status >= 400) {
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      // A refusal writes nothing, and a 404 reads the same whether or not the group exists.
      expect(await t.counts()).toEqual(before);
      if (status === 404) {
        const absent = await perform(action, actor, crypto.randomUUID(), crypto.randomUUID());
        expect(absent.statusCode).toBe(404);
        expect(absent.json().detail).toBe(res.json().detail);
      }
    }
  });
});

describe('what each success did', () => {
  it('the owner deleting removes the group for everyone, with its invitations', async () => {
    const { owner, member, invitee } = people;
    const { groupId } = await groupWith(t, { owner, member, invitee });
    expect((await api.remove(owner.headers, groupId)).statusCode).toBe(204);
    expect((await api.get(member.headers, groupId)).statusCode).toBe(404);
    const pending = (await api.mine(invitee.headers)).json().items as { group_id: string }[];
    expect(pending.map((i) => i.group_id)).not.toContain(groupId);
  });

  it('a member leaving leaves the group to the others', async () => {
    const { owner, member } = people;
    const { groupId } = await groupWith(t, { owner, member });
    expect((await api.remove(member.headers, groupId)).statusCode).toBe(204);
    expect((await api.get(member.headers, groupId)).statusCode).toBe(404);
    const group = (await api.get(owner.headers, groupId)).json();
    expect(group.members.map((m: { account_id: string }) => m.account_id)).toEqual([owner.id]);
  });

  it('accepting makes the invitee a member; refusing or withdrawing leaves no invitation', async () => {
    const { owner, invitee, extra } = people;
    const { groupId, invitationId } = await groupWith(t, { owner, invitee });
    const accepted = await api.accept(invitee.headers, groupId, invitationId!);
    expect(accepted.json()).toMatchObject({ id: invitationId, status: 'accepted', account_id: invitee.id });
    expect((await api.get(invitee.headers, groupId)).statusCode).toBe(200);
    expect((await api.accept(invitee.headers, groupId, invitationId!)).statusCode).toBe(404);

    const second = (await api.invite(owner.headers, groupId, extra.id)).json();
    expect((await api.refuse(extra.headers, groupId, second.id)).statusCode).toBe(204);
    expect((await api.accept(extra.headers, groupId, second.id)).statusCode).toBe(404);
    expect((await api.get(extra.headers, groupId)).statusCode).toBe(404);
    const third = (await api.invite(owner.headers, groupId, extra.id)).json();
    expect((await api.refuse(owner.headers, groupId, third.id)).statusCode).toBe(204);
    expect((await api.invitations(owner.headers, groupId)).json().items).toEqual([]);
  });

  it('an invitation id used under another group is 404', async () => {
    const { owner, invitee } = people;
    const a = await groupWith(t, { owner, invitee });
    const b = await groupWith(t, { owner });
    expect((await api.accept(invitee.headers, b.groupId, a.invitationId!)).statusCode).toBe(404);
    expect((await api.refuse(owner.headers, b.groupId, a.invitationId!)).statusCode).toBe(404);
  });

  it('a token without recommendations:write reads groups but cannot change them (403)', async () => {
    const { owner } = people;
    const { groupId } = await groupWith(t, { owner });
    const { accessToken } = await passwordGrant(t, owner.email, undefined, 'recommendations:read');
    expect((await api.get(bearer(accessToken), groupId)).statusCode).toBe(200);
    expect((await api.remove(bearer(accessToken), groupId)).statusCode).toBe(403);
    expect((await api.get(owner.headers, groupId)).statusCode).toBe(200);
  });
});
