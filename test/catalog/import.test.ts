// POST /v1/items/import: streamed CSV and NDJSON, idempotent on external_id, bad lines reported by number.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { chunked, dataDigest } from './helpers.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;

// A body limit far below the imports' size: they are streamed, never buffered whole.
beforeAll(async () => {
  t = await buildTestApp({ ...QUICK_AUTH_ENV, MAX_BODY_BYTES: '65536', IMPORT_BATCH_ROWS: '500' });
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
});
afterAll(() => t?.close());

const importItems = (body: string | Readable, type = 'text/csv', user: TestUser = admin) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/items/import',
    headers: { ...user.headers, 'content-type': type },
    payload: body,
  });

const count = async () =>
  Number((await t.db.database.query<{ n: number }>('select count(*)::int as n from items'))[0]!.n);

describe('importing items', () => {
  it('streams a large CSV (beyond the body limit) and is idempotent on a second run', async () => {
    const lines = ['external_id,kind,title,description,genres,year,attributes'];
    for (let i = 0; i < 5000; i++)
      lines.push(
        `csv-${i},movie,"Film ${i}, the sequel","A ""quoted"" plot, number ${i}",Drama|Comedy,${1900 + (i % 120)},"{""n"": ${i}}"`,
      );
    const csv = `${lines.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(5 * 65536);
    const first = await importItems(Readable.from(chunked(csv)));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({
      lines: 5000,
      inserted: 5000,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      errors: [],
    });
    const second = await importItems(Readable.from(chunked(csv)));
    expect(second.json()).toMatchObject({ inserted: 0, updated: 0, unchanged: 5000 });
    const [row] = await t.db.database.query<Record<string, unknown>>(
      "select title, description, genres, year, attributes from items where external_id = 'csv-7'",
    );
    expect(row).toEqual({
      title: 'Film 7, the sequel',
      description: 'A "quoted" plot, number 7',
      genres: ['Drama', 'Comedy'],
      year: 1907,
      attributes: { n: 7 },
    });
  });

  it('updates what changed and reports malformed lines by number while the others land', async () => {
    const csv = [
      'external_id,kind,title,genres,year',
      'csv-1,movie,Film 1 renamed,Drama,1901', // line 2: updated
      'new-1,book,A new book,,', // line 3: inserted
      'new-2,podcast,Unknown kind,,', // line 4: bad kind
      'new-3,movie,"unterminated,,', // line 5: malformed CSV
      'new-4,movie,Too,many,fields,here', // line 6: field count
      ',movie,No external id,,', // line 7
      'new-5,movie,Bad year,,19x5', // line 8
      'new-6,game,Fine game,Puzzle|Indie,2020', // line 9: inserted
    ].join('\r\n');
    const before = await count();
    const res = await importItems(csv);
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ lines: 8, inserted: 2, updated: 1, unchanged: 0, rejected: 5 });
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([4, 5, 6, 7, 8]);
    expect(report.errors[0].message).toMatch(/kind/);
    expect(report.errors[3].message).toMatch(/external_id/);
    expect(await count()).toBe(before + 2);
  });

  it('imports NDJSON with the POST /v1/items shape', async () => {
    const ndjson = [
      JSON.stringify({
        external_id: 'nd-1',
        kind: 'series',
        title: 'A series',
        genres: ['Crime'],
        attributes: { seasons: 5 },
      }),
      '{not json',
      JSON.stringify([1, 2]),
      JSON.stringify({ external_id: 'nd-2', kind: 'application', title: 'An app', extra: true }),
      '',
      JSON.stringify({ external_id: 'nd-3', kind: 'track', title: 'A\u0000track' }),
      JSON.stringify({ external_id: 'nd-4', kind: 'track', title: 'A track' }),
    ].join('\n');
    const res = await importItems(ndjson, 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ lines: 6, inserted: 2, rejected: 4 });
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 4, 6]);
  });

  it('takes a charset parameter on the media type', async () => {
    const res = await importItems('external_id,kind,title\ncs-1,movie,Charset\n', 'text/csv; charset=utf-8');
    expect(res.json()).toMatchObject({ inserted: 1 });
  });

  it('reports a runaway line without buffering it', async () => {
    const csv = `external_id,kind,title\nok-1,movie,Fine\nlong,movie,${'x'.repeat(200_000)}\nok-2,movie,Fine too\n`;
    const res = await importItems(Readable.from(chunked(csv, 8192)));
    expect(res.json()).toMatchObject({ lines: 3, inserted: 2, rejected: 1, errors: [{ line: 3 }] });
  });

  it.each([
    ['a user', () => alice, 'text/csv', 403],
    ['the wrong media type', () => admin, 'text/plain', 415],
  ])('refuses %s with nothing written', async (_name, user, type, status) => {
    const before = await dataDigest(t);
    const res = await importItems('external_id,kind,title\nx-1,movie,X\n', type, user());
    expect(res.statusCode, res.body).toBe(status);
    expect(await dataDigest(t)).toBe(before);
  });
});
