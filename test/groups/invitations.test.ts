// Invitations end to end: the mail through a real SMTP server, the invitee's own list, the conflicts, the
// cap on a group's size, two invitations racing, and what an account's deletion and export do to groups.
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupInvitations, groupMembers, groups } from '../../src/db/schema/index.ts';
import { makeAdmin, passwordGrant, bearer } from '../helpers/auth.ts';
import {
  buildGroupsApp,
  client,
  groupWith,
  person,
  PUBLIC_URL,
  type GroupsTestApp,
  type Person,
} from './setup.ts';

let t: GroupsTestApp;
let api: ReturnType<typeof client>;
let admin: Person;

beforeAll(async () => {
  t = await buildGroupsApp({ env: { GROUP_MAX_MEMBERS: '3' } });
  api = client(t);
  admin = await person(t, 'Admin');
  await makeAdmin(t, admin.id);
  admin = { ...admin, headers: bearer((await passwordGrant(t, admin.email)).accessToken) };
});
afterAll(() => t?.close());

describe('the invitation mail', () => {
  it('reaches the invitee through SMTP with the group, the inviter’s name and a link to the invitation', async () => {
    const owner = await person(t, 'Olivia');
    const invitee = await person(t, 'Ivan');
    const { groupId } = await groupWith(t, { owner }, { name: 'Friday <films>' });
    const res = await api.invite(owner.headers, groupId, invitee.id);
    expect(res.statusCode, res.body).toBe(201);
    const invitation = res.json();
    expect(invitation).toMatchObject({
      group_id: groupId,
      group_name: 'Friday <films>',
      account_id: invitee.id,
      invited_by: { account_id: owner.id, name: 'Olivia' },
      status: 'pending',
    });
    expect(invitation.created_at).toMatch(/Z$/);

    const [mail, ...more] = await t.awaitMails(invitee.email, 1);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe('Olivia invited you to join Friday <films>');
    expect(mail!.text).toContain(`${PUBLIC_URL}/groups/${groupId}/invitations/${invitation.id}`);
    expect(mail!.html).toContain('Friday &lt;films&gt;');
    expect(mail!.text).not.toContain(owner.email);
    expect(t.mailsTo(owner.email)).toHaveLength(0);
  });

  it('is not sent when the invitation is refused (nothing queued on a 409)', async () => {
    const owner = await person(t, 'Oscar');
    const invitee = await person(t, 'Iris');
    const { groupId } = await groupWith(t, { owner, invitee });
    const before = await t.counts();
    expect((await api.invite(owner.headers, groupId, invitee.id)).statusCode).toBe(409);
    expect(await t.counts()).toEqual(before);
  });
});

describe('the invitee’s view', () => {
  it('lists its pending invitations (newest first, paged) though it is not a member yet', async () => {
    const invitee = await person(t, 'Ines');
    const owners = [await person(t, 'Ada'), await person(t, 'Bo'), await person(t, 'Cy')];
    const groupIds: string[] = [];
    for (const owner of owners) groupIds.push((await groupWith(t, { owner, invitee })).groupId);
    const first = (await api.mine(invitee.headers, '?limit=2')).json();
    expect(first.items.map((i: { group_id: string }) => i.group_id)).toEqual([groupIds[2], groupIds[1]]);
    expect(first.items[0]).toMatchObject({ group_name: 'Movie night', invited_by: { name: 'Cy' } });
    const second = (await api.mine(invitee.headers, `?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.items.map((i: { group_id: string }) => i.group_id)).toEqual([groupIds[0]]);
    expect(second.next_cursor).toBeNull();
    // Someone else's list is their own: empty.
    expect((await api.mine(owners[0]!.headers)).json().items).toEqual([]);
  });

  it('the member list shows names, never emails, to the owner and to members', async () => {
    const owner = await person(t, 'Otto');
    const member = await person(t, 'Mia');
    const { groupId } = await groupWith(t, { owner, member });
    for (const viewer of [owner, member]) {
      const res = await api.get(viewer.headers, groupId);
      expect(res.json().members).toEqual([
        { account_id: owner.id, name: 'Otto', role: 'owner', joined_at: expect.any(String) },
        { account_id: member.id, name: 'Mia', role: 'member', joined_at: expect.any(String) },
      ]);
      expect(res.body).not.toContain(owner.email);
      expect(res.body).not.toContain(member.email);
    }
    const listed = (await api.list(member.headers)).json().items;
    expect(listed).toEqual([expect.objectContaining({ id: groupId, role: 'member', member_count: 2 })]);
  });
});

describe('conflicts and limits', () => {
  it.each([
    ['an existing member', 'member', 409],
    ['the owner itself', 'owner', 409],
    ['an account already invited', 'invitee', 409],
    ['an account that does not exist', 'unknown', 422],
    ['a deleted account', 'deleted', 422],
    ['a fresh account (control)', 'fresh', 201],
  ] as const)('inviting %s → %s', async (_name, who, status) => {
    const owner = await person(t, 'Owner');
    const member = await person(t, 'Member');
    const invitee = await person(t, 'Invitee');
    const { groupId } = await groupWith(t, { owner, member, invitee });
    const deleted = await person(t, 'Gone');
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/accounts/${deleted.id}`, headers: admin.headers }))
        .statusCode,
    ).toBe(204);
    const ids = {
      member: member.id,
      owner: owner.id,
      invitee: invitee.id,
      unknown: crypto.randomUUID(),
      deleted: deleted.id,
      fresh: (await person(t, 'Fresh')).id,
    };
    // The cap is 3 in this file: the group has 3 (owner, member, invitee) — the control needs a free seat.
    if (who === 'fresh') await api.remove(member.headers, groupId);
    const before = await t.counts();
    const res = await api.invite(owner.headers, groupId, ids[who]);
    expect(res.statusCode, res.body).toBe(status);
    if (status === 422)
      expect(res.json().errors).toEqual([expect.objectContaining({ path: '/body/account_id' })]);
    if (status !== 201) expect(await t.counts()).toEqual(before);
  });

  it('members plus pending invitations stop at GROUP_MAX_MEMBERS (409), and a withdrawal frees a seat', async () => {
    const owner = await person(t, 'Owner');
    const [a, b, c] = [await person(t, 'A'), await person(t, 'B'), await person(t, 'C')];
    const { groupId } = await groupWith(t, { owner, member: a, invitee: b });
    const full = await api.invite(owner.headers, groupId, c.id);
    expect(full.statusCode).toBe(409);
    expect(full.json().detail).toMatch(/at most 3/);
    const pending = (await api.invitations(owner.headers, groupId)).json().items;
    expect((await api.refuse(owner.headers, groupId, pending[0].id)).statusCode).toBe(204);
    expect((await api.invite(owner.headers, groupId, c.id)).statusCode).toBe(201);
  });

  it('two invitations of one account at once: one 201, one 409, one row, one mail', async () => {
    const owner = await person(t, 'Owner');
    const invitee = await person(t, 'Racer');
    const { groupId } = await groupWith(t, { owner });
    const results = await Promise.all([
      api.invite(owner.headers, groupId, invitee.id),
      api.invite(owner.headers, groupId, invitee.id),
    ]);
    expect(results.map((r) => r.statusCode).sort(), results.map((r) => r.body).join('\n')).toEqual([
      201, 409,
    ]);
    expect((await api.mine(invitee.headers)).json().items).toHaveLength(1);
    expect(await t.awaitMails(invitee.email, 1)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await t.deliver();
    expect(t.mailsTo(invitee.email)).toHaveLength(1);
  });
});

describe('account deletion and export', () => {
  const deleteAccount = (id: string) =>
    t.app.inject({ method: 'DELETE', url: `/v1/accounts/${id}`, headers: admin.headers });

  it('a deleted owner takes its groups along; a deleted member leaves; a deleted invitee’s invitation goes', async () => {
    const owner = await person(t, 'Owner');
    const member = await person(t, 'Member');
    const invitee = await person(t, 'Invitee');
    const owned = await groupWith(t, { owner: member, member: owner });
    const kept = await groupWith(t, { owner, member, invitee });

    expect((await deleteAccount(invitee.id)).statusCode).toBe(204);
    expect((await api.invitations(owner.headers, kept.groupId)).json().items).toEqual([]);

    expect((await deleteAccount(member.id)).statusCode).toBe(204);
    expect((await api.get(owner.headers, owned.groupId)).statusCode).toBe(404);
    const group = (await api.get(owner.headers, kept.groupId)).json();
    expect(group.members.map((m: { account_id: string }) => m.account_id)).toEqual([owner.id]);

    expect((await deleteAccount(owner.id)).statusCode).toBe(204);
    const gone = [owner.id, member.id, invitee.id];
    const db = t.db.database.db;
    expect(await db.select().from(groupMembers).where(inArray(groupMembers.accountId, gone))).toEqual([]);
    expect(await db.select().from(groups).where(inArray(groups.ownerId, gone))).toEqual([]);
    expect(await db.select().from(groupInvitations).where(inArray(groupInvitations.accountId, gone))).toEqual(
      [],
    );
    expect((await api.get(admin.headers, kept.groupId)).statusCode).toBe(404);
  });

  it('the export holds the account’s memberships and the invitations it received and sent', async () => {
    const owner = await person(t, 'Owner');
    const member = await person(t, 'Member');
    const invitee = await person(t, 'Invitee');
    const { groupId, invitationId } = await groupWith(
      t,
      { owner, member, invitee },
      { name: 'Book club', aggregation: 'least_misery' },
    );
    const exportOf = async (p: Person) =>
      (await t.app.inject({ method: 'GET', url: `/v1/accounts/${p.id}/export`, headers: p.headers })).json()
        .sections.groups;
    expect(await exportOf(owner)).toEqual({
      memberships: [
        {
          group_id: groupId,
          name: 'Book club',
          role: 'owner',
          aggregation: 'least_misery',
          joined_at: expect.any(String),
        },
      ],
      invitations_received: [],
      invitations_sent: [expect.objectContaining({ id: invitationId, account_id: invitee.id })],
    });
    expect((await exportOf(member)).memberships).toEqual([
      expect.objectContaining({ group_id: groupId, role: 'member' }),
    ]);
    expect(await exportOf(invitee)).toEqual({
      memberships: [],
      invitations_received: [expect.objectContaining({ id: invitationId, group_name: 'Book club' })],
      invitations_sent: [],
    });
  });
});
