// The line splitter (bounded memory, exact line numbers) and the table of emails already read.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines, type Line } from '../../src/core/import/lines.ts';
import { SeenEmails } from '../../src/modules/accounts/import/seen-emails.ts';

async function collect(chunks: (string | Buffer)[], maxBytes = 16): Promise<Line[]> {
  const lines: Line[] = [];
  for await (const line of readLines(Readable.from(chunks), maxBytes)) lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('numbers lines across chunk boundaries, with \\n or \\r\\n, and a last line without newline', async () => {
    expect(await collect(['ab', 'c\r\nd', 'e\n\nf\r', '\ng'])).toEqual([
      { number: 1, text: 'abc' },
      { number: 2, text: 'de' },
      { number: 3, text: '' },
      { number: 4, text: 'f' },
      { number: 5, text: 'g' },
    ]);
    expect(await collect(['a\n'])).toEqual([{ number: 1, text: 'a' }]);
    expect(await collect([])).toEqual([]);
  });

  it('keeps a character split between two chunks whole, and drops a byte-order mark', async () => {
    const bytes = Buffer.from('\uFEFFzoë\n日本\n');
    expect(await collect([bytes.subarray(0, 6), bytes.subarray(6, 11), bytes.subarray(11)])).toEqual([
      { number: 1, text: 'zoë' },
      { number: 2, text: '日本' },
    ]);
  });

  it('reports invalid UTF-8 and lines over the limit, without holding them, and goes on', async () => {
    const runaway = Array.from({ length: 1000 }, () => 'x'.repeat(1000)); // 1 MB without a newline
    const lines = await collect([
      Buffer.from([0x61, 0xff, 0x0a]),
      '0123456789abcdef\n',
      ...runaway,
      '\nok\n',
    ]);
    expect(lines).toEqual([
      { number: 1, problem: 'not valid UTF-8' },
      { number: 2, text: '0123456789abcdef' },
      { number: 3, problem: 'longer than 16 bytes' },
      { number: 4, text: 'ok' },
    ]);
    expect(await collect(['0123456789abcdefg'])).toEqual([{ number: 1, problem: 'longer than 16 bytes' }]);
  });
});

describe('SeenEmails', () => {
  it('remembers the first line of each email through many resizes', () => {
    const seen = new SeenEmails();
    let repeats = 0;
    for (let i = 0; i < 200_000; i++) if (seen.add(`user${i}@example.com`, i + 1) !== undefined) repeats++;
    expect(repeats).toBe(0);
    expect(seen.size).toBe(200_000);
    expect(seen.add('user0@example.com', 999_999)).toBe(1);
    expect(seen.add('user123456@example.com', 999_999)).toBe(123_457);
    expect(seen.size).toBe(200_000);
  });
});
