// `bulwark items import FILE` and `bulwark feedback import FILE`: summary, rejected lines, exit codes, progress bar.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../src/cli/items.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;
let dir: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-items-cli-'));
});
afterAll(async () => {
  await tdb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

function io(tty = false) {
  const out = { text: '', write: (s: string) => (out.text += s) };
  const err = { text: '', isTTY: tty, columns: 80, write: (s: string) => (err.text += s) };
  return { out, err, io: { stdout: out, stderr: err, env: { NODE_ENV: 'test' }, database: tdb.database } };
}

describe('bulwark items import / feedback import', () => {
  it('imports items with a progress bar on a terminal, and exits 3 naming a rejected line', async () => {
    const file = path.join(dir, 'items.csv');
    await writeFile(file, 'external_id,kind,title\nk1,movie,One\nk2,podcast,Two\nk3,book,Three\n');
    const run = io(true);
    expect(await importCommand('items', [file], run.io)).toBe(3);
    expect(run.out.text).toContain('inserted 2');
    expect(run.out.text).toContain('line 3: kind');
    expect(run.err.text).toMatch(/\[#+\] 100%/);
  });

  it('imports feedback from JSON lines (format from the extension) and exits 0', async () => {
    const file = path.join(dir, 'feedback.jsonl');
    await writeFile(
      file,
      `${JSON.stringify({ external_user: 'u', external_id: 'k1', type: 'rating', value: 4 })}\n`,
    );
    const run = io();
    expect(await importCommand('feedback', [file], run.io)).toBe(0);
    expect(run.out.text).toContain('recorded 1');
    expect(run.err.text).toBe('');
  });

  it.each([
    ['no file', [], 2],
    ['an unknown format', ['x.csv', '--format', 'xml'], 2],
    ['a missing file', [path.join(tmpdir(), 'does-not-exist.csv')], 1],
  ])('refuses %s', async (_name, args, code) => {
    expect(await importCommand('items', args, io().io)).toBe(code);
  });
});
