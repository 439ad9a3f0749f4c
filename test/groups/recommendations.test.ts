// GET /v1/groups/{id}/recommendations against a small in-process recommender defined here, and once end to
// end through the real recommendations module (the composition root's default): planted
// predicted scores per member, exclusion of what any member rated, and the two aggregations on a hand-built
// case where they disagree. What the route owes: members only, the right member ids, the group's aggregation
// unless the query overrides it, and `kind` and `limit` passed through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecommendForAccounts } from '../../src/modules/groups/index.ts';
import { bearer, makeAdmin, passwordGrant } from '../helpers/auth.ts';
import { buildGroupsApp, client, groupWith, person, type GroupsTestApp, type Person } from './setup.ts';

interface PlantedItem {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
}

/**
 * A real (if tiny) group recommender: every member's predicted score for every item, ratings that exclude an
 * item for the whole group, `average` = the mean of the members' scores, `least_misery` = the lowest.
 */
class PlantedRecommender {
  readonly items = new Map<string, PlantedItem>();
  readonly predicted = new Map<string, Map<string, number>>();
  readonly rated = new Map<string, Set<string>>();
  readonly calls: Parameters<RecommendForAccounts>[] = [];

  item(title: string, kind = 'movie'): PlantedItem {
    const item = { id: crypto.randomUUID(), kind, title };
    this.items.set(item.id, item);
    return item;
  }

  predict(accountId: string, scores: [PlantedItem, number][]): void {
    this.predicted.set(accountId, new Map(scores.map(([item, score]) => [item.id, score])));
  }

  rate(accountId: string, item: PlantedItem): void {
    this.rated.set(accountId, new Set([...(this.rated.get(accountId) ?? []), item.id]));
  }

  readonly recommend: RecommendForAccounts = async (accountIds, opts) => {
    this.calls.push([accountIds, opts]);
    const excluded = new Set(accountIds.flatMap((id) => [...(this.rated.get(id) ?? [])]));
    const scored = [...this.items.values()]
      .filter((item) => !excluded.has(item.id) && (opts.kind === undefined || item.kind === opts.kind))
      .map((item) => {
        const scores = accountIds.map((id) => this.predicted.get(id)?.get(item.id) ?? 0);
        const score =
          opts.aggregation === 'least_misery'
            ? Math.min(...scores)
            : scores.reduce((a, b) => a + b, 0) / scores.length;
        return {
          item,
          score,
          engine: 'planted',
          reason: `${opts.aggregation} of ${accountIds.length} members`,
        };
      });
    return { items: scored.sort((a, b) => b.score - a.score).slice(0, opts.limit) };
  };
}

let t: GroupsTestApp;
let api: ReturnType<typeof client>;
const planted = new PlantedRecommender();
let ann: Person;
let ben: Person;
let cat: Person;
let stranger: Person;
let groupId: string;
let invitationId: string;
const titles = (res: { json(): { items: { item: { title: string } }[] } }) =>
  res.json().items.map((i) => i.item.title);

// Hand-built so that the aggregations disagree: X delights Ann and bores Ben; Y pleases both moderately.
const X = planted.item('X');
const Y = planted.item('Y');
const Z = planted.item('Z');
const W = planted.item('W', 'book');

beforeAll(async () => {
  t = await buildGroupsApp({ recommendForAccounts: planted.recommend });
  api = client(t);
  [ann, ben, cat, stranger] = [
    await person(t, 'Ann'),
    await person(t, 'Ben'),
    await person(t, 'Cat'),
    await person(t, 'Stranger'),
  ];
  planted.predict(ann.id, [
    [X, 5],
    [Y, 3],
    [Z, 4],
    [W, 2],
  ]);
  planted.predict(ben.id, [
    [X, 1],
    [Y, 2.5],
    [Z, 4],
    [W, 2],
  ]);
  planted.predict(cat.id, [
    [X, 5],
    [Y, 5],
    [Z, 5],
    [W, 0.5],
  ]);
  planted.rate(ben.id, Z); // a member rated Z: the group never gets it
  planted.rate(cat.id, Y); // the invitee rated Y: it counts once Cat has joined, not before
  planted.rate(stranger.id, X); // a stranger's ratings never count
  ({ groupId, invitationId } = (await groupWith(t, { owner: ann, member: ben, invitee: cat })) as {
    groupId: string;
    invitationId: string;
  });
});
afterAll(() => t?.close());

describe('group recommendations', () => {
  it('average: the mean of the members’ scores, without what a member rated', async () => {
    const res = await api.recommendations(ben.headers, groupId);
    expect(res.statusCode, res.body).toBe(200);
    expect(titles(res)).toEqual(['X', 'Y', 'W']);
    expect(res.json()).toMatchObject({ aggregation: 'average', members: 2 });
    expect(res.json().items[0]).toEqual({
      item: { id: X.id, kind: 'movie', title: 'X' },
      score: 3,
      engine: 'planted',
      reason: 'average of 2 members',
    });
    expect(planted.calls.at(-1)![0].sort()).toEqual([ann.id, ben.id].sort());
  });

  it('least_misery ranks differently on the same data: the least happy member decides', async () => {
    const res = await api.recommendations(ann.headers, groupId, '?aggregation=least_misery');
    expect(titles(res)).toEqual(['Y', 'W', 'X']);
    expect(res.json().items.map((i: { score: number }) => i.score)).toEqual([2.5, 2, 1]);
  });

  it('the group’s own setting applies when the query names none; the query overrides it', async () => {
    expect((await api.patch(ann.headers, groupId, { aggregation: 'least_misery' })).statusCode).toBe(200);
    const byGroup = await api.recommendations(ben.headers, groupId);
    expect(byGroup.json().aggregation).toBe('least_misery');
    expect(titles(byGroup)).toEqual(['Y', 'W', 'X']);
    expect(titles(await api.recommendations(ben.headers, groupId, '?aggregation=average'))).toEqual([
      'X',
      'Y',
      'W',
    ]);
    expect((await api.patch(ann.headers, groupId, { aggregation: 'average' })).statusCode).toBe(200);
  });

  it('kind and limit are passed through', async () => {
    expect(titles(await api.recommendations(ann.headers, groupId, '?kind=book'))).toEqual(['W']);
    expect(planted.calls.at(-1)![1]).toEqual({ aggregation: 'average', limit: 20, kind: 'book' });
    expect(titles(await api.recommendations(ann.headers, groupId, '?limit=1'))).toEqual(['X']);
  });

  it('a pending invitee and a stranger get 404 and their ratings do not count; once joined, they do', async () => {
    expect((await api.recommendations(cat.headers, groupId)).statusCode).toBe(404);
    expect((await api.recommendations(stranger.headers, groupId)).statusCode).toBe(404);
    expect((await api.accept(cat.headers, groupId, invitationId)).statusCode).toBe(200);
    const res = await api.recommendations(cat.headers, groupId);
    // Y is gone (Cat rated it); X averages (5 + 1 + 5) / 3.
    expect(titles(res)).toEqual(['X', 'W']);
    expect(res.json()).toMatchObject({ members: 3, items: [{ score: 11 / 3 }, { score: 1.5 }] });
  });

  it('a member who leaves no longer excludes what it rated', async () => {
    // Ann and Cat: X (5 + 5) / 2, Z (4 + 5) / 2 — Z is back now that Ben, who rated it, is gone.
    expect((await api.remove(ben.headers, groupId)).statusCode).toBe(204);
    expect(titles(await api.recommendations(ann.headers, groupId))).toEqual(['X', 'Z', 'W']);
    expect((await api.recommendations(ben.headers, groupId)).statusCode).toBe(404);
  });

  it("end to end with the real engine: items and ratings through the API, a trained model, a member's rating excludes the item for the group", async () => {
    const real = await buildGroupsApp({ env: { RECO_TRAINING: 'off' } });
    try {
      const api = client(real);
      const owner = await person(real, 'Owner');
      const member = await person(real, 'Member');
      const stranger = await person(real, 'Stranger');
      const admin = await person(real, 'Admin');
      await makeAdmin(real, admin.id);
      const adminHeaders = bearer((await passwordGrant(real, admin.email)).accessToken);
      const titles = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo'];
      const itemIds: string[] = [];
      for (const title of titles) {
        const res = await real.app.inject({
          method: 'POST',
          url: '/v1/items',
          headers: adminHeaders,
          payload: { kind: 'movie', title, genres: ['Comedy'] },
        });
        expect(res.statusCode, res.body).toBe(201);
        itemIds.push(res.json().id as string);
      }
      // The member rated Alpha; the owner rated Bravo: neither may come back for the group.
      for (const [who, item] of [
        [member, itemIds[0]],
        [owner, itemIds[1]],
      ] as const) {
        const res = await real.app.inject({
          method: 'POST',
          url: '/v1/feedback',
          headers: who.headers,
          payload: { item_id: item, type: 'rating', value: 5 },
        });
        expect(res.statusCode, res.body).toBeLessThan(300);
      }
      await real.app.reco.trainer.train();
      const { groupId } = await groupWith(real, { owner, member });
      const res = await api.recommendations(owner.headers, groupId);
      expect(res.statusCode, res.body).toBe(200);
      const shown = (res.json().items as Array<{ item: { id: string; title: string } }>).map(
        (r) => r.item.id,
      );
      expect(shown.length).toBeGreaterThan(0);
      expect(shown).not.toContain(itemIds[0]);
      expect(shown).not.toContain(itemIds[1]);
      expect(shown.every((id) => itemIds.includes(id))).toBe(true);
      expect((await api.recommendations(stranger.headers, groupId)).statusCode).toBe(404);
    } finally {
      await real.close();
    }
  });
});
