// Bad input to every group route: each a 4xx problem, and nothing written (no group, member, invitation or
// mail row more). Each row has the valid request beside it as a control.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGroupsApp, client, groupWith, person, type GroupsTestApp, type Person } from './setup.ts';

let t: GroupsTestApp;
let owner: Person;
let friend: Person;
let groupId: string;
let invitationId: string;

beforeAll(async () => {
  t = await buildGroupsApp({ recommendForAccounts: async () => ({ items: [] }) });
  owner = await person(t, 'Owner');
  friend = await person(t, 'Friend');
  ({ groupId, invitationId } = (await groupWith(t, { owner, invitee: friend })) as {
    groupId: string;
    invitationId: string;
  });
});
afterAll(() => t?.close());

type Case = [
  string,
  {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: () => string;
    payload?: unknown;
    type?: string;
  },
  number,
];

const cases: Case[] = [
  ['create: no body', { method: 'POST', url: () => '/v1/groups', payload: {} }, 422],
  ['create: empty name', { method: 'POST', url: () => '/v1/groups', payload: { name: '' } }, 422],
  [
    'create: name of 101 characters',
    { method: 'POST', url: () => '/v1/groups', payload: { name: 'x'.repeat(101) } },
    422,
  ],
  [
    'create: a NUL in the name',
    { method: 'POST', url: () => '/v1/groups', payload: { name: 'a\u0000b' } },
    422,
  ],
  [
    'create: a newline in the name',
    { method: 'POST', url: () => '/v1/groups', payload: { name: 'a\nb' } },
    422,
  ],
  ['create: name not a string', { method: 'POST', url: () => '/v1/groups', payload: { name: 42 } }, 422],
  [
    'create: unknown aggregation',
    { method: 'POST', url: () => '/v1/groups', payload: { name: 'G', aggregation: 'median' } },
    422,
  ],
  [
    'create: an unknown field',
    { method: 'POST', url: () => '/v1/groups', payload: { name: 'G', owner_id: crypto.randomUUID() } },
    422,
  ],
  ['create: an array', { method: 'POST', url: () => '/v1/groups', payload: [{ name: 'G' }] }, 422],
  [
    'create: not JSON',
    { method: 'POST', url: () => '/v1/groups', payload: '{"name":', type: 'application/json' },
    400,
  ],
  [
    'create: text/plain',
    { method: 'POST', url: () => '/v1/groups', payload: 'name=G', type: 'text/plain' },
    415,
  ],
  ['patch: nothing to change', { method: 'PATCH', url: () => `/v1/groups/${groupId}`, payload: {} }, 422],
  [
    'patch: unknown aggregation',
    { method: 'PATCH', url: () => `/v1/groups/${groupId}`, payload: { aggregation: 'max' } },
    422,
  ],
  [
    'patch: a malformed id',
    { method: 'PATCH', url: () => '/v1/groups/not-a-uuid', payload: { name: 'G' } },
    422,
  ],
  ['get: a malformed id', { method: 'GET', url: () => '/v1/groups/1' }, 422],
  ['list: limit 0', { method: 'GET', url: () => '/v1/groups?limit=0' }, 422],
  ['list: limit 101', { method: 'GET', url: () => '/v1/groups?limit=101' }, 422],
  ['list: a forged cursor', { method: 'GET', url: () => '/v1/groups?cursor=bm90LWFuLWlk' }, 400],
  [
    'invite: no account_id',
    { method: 'POST', url: () => `/v1/groups/${groupId}/invitations`, payload: {} },
    422,
  ],
  [
    'invite: account_id not a uuid',
    { method: 'POST', url: () => `/v1/groups/${groupId}/invitations`, payload: { account_id: 'bob' } },
    422,
  ],
  [
    'invite: an email instead',
    { method: 'POST', url: () => `/v1/groups/${groupId}/invitations`, payload: { email: 'bob@example.com' } },
    422,
  ],
  [
    'invite: an unknown account',
    {
      method: 'POST',
      url: () => `/v1/groups/${groupId}/invitations`,
      payload: { account_id: crypto.randomUUID() },
    },
    422,
  ],
  [
    'accept: a malformed invitation id',
    { method: 'PUT', url: () => `/v1/groups/${groupId}/invitations/x` },
    422,
  ],
  [
    'refuse: a malformed group id',
    { method: 'DELETE', url: () => `/v1/groups/x/invitations/${invitationId}` },
    422,
  ],
  ['my invitations: limit -1', { method: 'GET', url: () => '/v1/me/invitations?limit=-1' }, 422],
  [
    'recommendations: limit 0',
    { method: 'GET', url: () => `/v1/groups/${groupId}/recommendations?limit=0` },
    422,
  ],
  [
    'recommendations: limit 1000',
    { method: 'GET', url: () => `/v1/groups/${groupId}/recommendations?limit=1000` },
    422,
  ],
  [
    'recommendations: an unknown kind',
    { method: 'GET', url: () => `/v1/groups/${groupId}/recommendations?kind=podcast` },
    422,
  ],
  [
    'recommendations: an unknown aggregation',
    { method: 'GET', url: () => `/v1/groups/${groupId}/recommendations?aggregation=max` },
    422,
  ],
  [
    'recommendations: someone else’s group',
    { method: 'GET', url: () => `/v1/groups/${crypto.randomUUID()}/recommendations` },
    404,
  ],
];

describe('bad input', () => {
  it.each(cases)('%s → %i, nothing written', async (_name, request, status) => {
    const before = await t.counts();
    const res = await t.app.inject({
      method: request.method,
      url: request.url(),
      headers: { ...owner.headers, ...(request.type ? { 'content-type': request.type } : {}) },
      ...(request.payload === undefined ? {} : { payload: request.payload as object }),
    });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(await t.counts()).toEqual(before);
  });

  it('controls: the same routes with valid input succeed', async () => {
    const api = client(t);
    const created = await api.create(owner.headers, {
      name: 'Ünïcödé 🎬 night',
      aggregation: 'least_misery',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'Ünïcödé 🎬 night',
      aggregation: 'least_misery',
      role: 'owner',
    });
    expect((await api.patch(owner.headers, created.json().id, { name: 'G' })).statusCode).toBe(200);
    expect((await api.list(owner.headers, '?limit=1')).statusCode).toBe(200);
    expect(
      (await api.recommendations(owner.headers, groupId, '?limit=100&kind=movie&aggregation=average'))
        .statusCode,
    ).toBe(200);
    expect((await api.mine(friend.headers, '?limit=100')).json().items).toHaveLength(1);
  });

  it('an unset aggregation is GROUP_AGGREGATION’s', async () => {
    const other = await buildGroupsApp({ env: { GROUP_AGGREGATION: 'least_misery' } });
    try {
      const someone = await person(other, 'Someone');
      const res = await client(other).create(someone.headers, { name: 'G' });
      expect(res.json().aggregation).toBe('least_misery');
    } finally {
      await other.close();
    }
    expect((await client(t).create(owner.headers, { name: 'G' })).json().aggregation).toBe('average');
  });
});
