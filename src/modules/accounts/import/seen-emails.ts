/**
 * The emails already read in this import, and on which line: an open-addressing table of 64-bit
 * fingerprints (about 24 bytes per email), so that a million lines are remembered without holding the
 * addresses themselves. Two emails sharing a fingerprint (about 1 in 10^7 at 10^6 emails) would show as a
 * reported duplicate, never as a silent overwrite.
 */
export class SeenEmails {
  // Slot i holds the fingerprint halves at 2i and 2i + 1; (0, 0) marks an empty slot.
  private fingerprints = new Uint32Array(2 << 16);
  private lines = new Uint32Array(1 << 16);
  private count = 0;

  /** How many distinct emails were recorded. */
  get size(): number {
    return this.count;
  }

  /** Records `key` as read on `line`; returns the line it was first read on if it was seen before. */
  add(key: string, line: number): number | undefined {
    const [high, low] = fingerprint(key);
    const slot = this.find(high, low);
    if (this.fingerprints[2 * slot] === high && this.fingerprints[2 * slot + 1] === low)
      return this.lines[slot];
    this.fingerprints[2 * slot] = high;
    this.fingerprints[2 * slot + 1] = low;
    this.lines[slot] = line;
    this.count += 1;
    if (this.count * 2 > this.lines.length) this.grow();
    return undefined;
  }

  /** The slot holding the fingerprint, or the empty slot where it belongs (linear probing). */
  private find(high: number, low: number): number {
    const mask = this.lines.length - 1;
    const f = this.fingerprints;
    let slot = low & mask;
    while (
      (f[2 * slot] !== 0 || f[2 * slot + 1] !== 0) &&
      (f[2 * slot] !== high || f[2 * slot + 1] !== low)
    ) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private grow(): void {
    const { fingerprints, lines } = this;
    this.fingerprints = new Uint32Array(fingerprints.length * 2);
    this.lines = new Uint32Array(lines.length * 2);
    for (let i = 0; i < lines.length; i++) {
      const high = fingerprints[2 * i]!;
      const low = fingerprints[2 * i + 1]!;
      if (high === 0 && low === 0) continue;
      const slot = this.find(high, low);
      this.fingerprints[2 * slot] = high;
      this.fingerprints[2 * slot + 1] = low;
      this.lines[slot] = lines[i]!;
    }
  }
}

/**
 * Two 32-bit hashes of the key (FNV-1a and a multiply-xorshift, each finished with MurmurHash3's mixer):
 * non-cryptographic, which is enough for telling lines of one file apart, and ten times faster than a
 * digest. The high half is never 0, so (0, 0) stays free to mark an empty slot.
 */
function fingerprint(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return [(mix(a) | 1) >>> 0, mix(b ^ key.length)];
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
