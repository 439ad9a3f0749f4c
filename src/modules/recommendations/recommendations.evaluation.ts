// Reading an offline data set for `bulwark reco evaluate`: MovieLens's `u.data` format (tab-separated
// `user item rating timestamp`, no header) and optionally its `u.item` (`|`-separated, latin-1, 19 genre
// flags). The files are read from where the operator keeps them; nothing of them is stored.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ItemText } from './engines/content.ts';
import type { Interactions } from './engines/matrix.ts';

export interface RatingsFile {
  readonly data: Interactions;
  /** Original item id of each dense item index. */
  readonly itemIds: readonly string[];
}

/** Parses `user<TAB>item<TAB>rating[<TAB>timestamp]` lines; a malformed line throws with its number. */
export async function readRatingsFile(path: string): Promise<RatingsFile> {
  const text = await readFile(path, 'utf8');
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const user: number[] = [];
  const item: number[] = [];
  const rating: number[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    const [u, i, r] = line.split('\t');
    const value = Number(r);
    if (!u || !i || !Number.isFinite(value))
      throw new Error(`${basename(path)}:${lineNo}: expected user, item, rating`);
    let ui = users.get(u);
    if (ui === undefined) users.set(u, (ui = users.size));
    let ii = items.get(i);
    if (ii === undefined) items.set(i, (ii = items.size));
    user.push(ui);
    item.push(ii);
    rating.push(value);
  }
  return {
    data: {
      users: users.size,
      items: items.size,
      user: Int32Array.from(user),
      item: Int32Array.from(item),
      // Relevance in this protocol is "rated at all": every rating is one implicit interaction.
      weight: new Float32Array(user.length).fill(1),
      rating: Float32Array.from(rating),
    },
    itemIds: [...items.keys()],
  };
}

/** Reads MovieLens `u.item` (and `u.genre` beside it, when present) into item texts in `itemIds` order. */
export async function readItemsFile(path: string, itemIds: readonly string[]): Promise<ItemText[]> {
  const text = new TextDecoder('latin1').decode(await readFile(path));
  let genreNames: string[] = [];
  try {
    const genres = await readFile(join(dirname(path), 'u.genre'), 'latin1');
    genreNames = genres
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|')[0] ?? '');
  } catch {
    // No genre names: the flags are named by position.
  }
  const byId = new Map<string, ItemText>();
  for (const line of text.split('\n')) {
    const fields = line.split('|');
    if (fields.length < 6 || !fields[0]) continue;
    const flags = fields.slice(5);
    const genres = flags.flatMap((f, at) => (f.trim() === '1' ? [genreNames[at] ?? `genre${at}`] : []));
    const year = /\((\d{4})\)\s*$/.exec(fields[1] ?? '')?.[1];
    byId.set(fields[0], {
      title: fields[1] ?? '',
      genres,
      attributes: year ? { decade: `${year.slice(0, 3)}0s` } : {},
    });
  }
  return itemIds.map((id) => byId.get(id) ?? { title: '' });
}
