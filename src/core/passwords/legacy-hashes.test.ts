import { describe, expect, it } from 'vitest';
import fixtureFile from '../../../test/fixtures/password-hashes/hashes.json' with { type: 'json' };
import { isLegacyHash, MAX_PASSWORD_BYTES, verifyLegacyHash } from './legacy-hashes.ts';

const fixtures = fixtureFile.fixtures.map((f) => ({
  ...f,
  alsoAccepts: 'alsoAccepts' in f ? f.alsoAccepts : null,
}));

/** Indexes of a salt character and a checksum character (bcrypt has no `$` between the two). */
function positions(hash: string): { salt: number; checksum: number } {
  if (/^\$2[aby]\$/.test(hash)) return { salt: 7 + 3, checksum: 29 + 10 };
  const last = hash.lastIndexOf('$');
  return { salt: hash.lastIndexOf('$', last - 1) + 3, checksum: last + 10 };
}

/** Changes one character into another of every alphabet involved (hex, base64, hash64). */
const tamper = (hash: string, at: number): string =>
  hash.slice(0, at) + (hash[at] === '1' ? '2' : '1') + hash.slice(at + 1);

describe('legacy hashes made by the Python libraries', () => {
  it('covers every required format', () => {
    const ids = fixtures.map((f) => f.id);
    for (const id of ['bcrypt-2b', 'passlib-bcrypt-2y', 'flask-bcrypt', 'passlib-sha256-crypt-default'])
      expect(ids).toContain(id);
    for (const id of ['passlib-pbkdf2-sha256', 'werkzeug-pbkdf2-sha256', 'werkzeug3-scrypt'])
      expect(ids).toContain(id);
  });

  it.each(fixtures)(
    '$id: right password ok, wrong one refused',
    async ({ hash, password, wrongPassword }) => {
      expect(isLegacyHash(hash)).toBe(true);
      const results = await Promise.all([
        verifyLegacyHash(hash, password),
        verifyLegacyHash(hash, wrongPassword),
      ]);
      expect(results).toEqual([true, false]);
    },
  );

  it.each(fixtures)('$id: one changed character in salt or checksum fails', async ({ hash, password }) => {
    const { salt, checksum } = positions(hash);
    const tampered = [tamper(hash, salt), tamper(hash, checksum)];
    // Still well-formed, so the refusal comes from the hash comparison, not from the parser.
    expect(tampered.every((t) => t !== hash && isLegacyHash(t))).toBe(true);
    expect(await Promise.all(tampered.map((t) => verifyLegacyHash(t, password)))).toEqual([false, false]);
  });

  it('keeps the event loop free during a 535,000-round SHA-crypt (it runs in a worker thread)', async () => {
    const sha = fixtures.find((f) => f.id === 'passlib-sha256-crypt-default')!;
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      longestGap = Math.max(longestGap, performance.now() - last);
      last = performance.now();
    }, 5);
    const started = performance.now();
    const ok = await verifyLegacyHash(sha.hash, sha.password);
    clearInterval(ticker);
    expect(ok).toBe(true);
    // On the event loop this would be one gap as long as the whole verification (about a second); the
    // bound scales with it so that a loaded machine does not make the test flaky.
    expect(longestGap).toBeLessThan((performance.now() - started) / 2);
  });

  it('bcrypt ignores bytes past the 72nd, as Python did', async () => {
    const long = fixtures.find((f) => f.id === 'bcrypt-over-72-bytes')!;
    expect(Buffer.byteLength(long.password)).toBeGreaterThan(72);
    expect(await verifyLegacyHash(long.hash, long.alsoAccepts!)).toBe(true);
  });
});

const ZEROS_43 = 'A'.repeat(43);
const ZEROS_HEX = '0'.repeat(64);
const GARBAGE = [
  '',
  'x',
  '$',
  '$$$$',
  'not a hash at all',
  '\u0000\u0000',
  '$2x$10$NzK3LHCzglqb.V.5lk2m.eOKd28eg8KyYNkloGwe7ilx3cUKPtiNq', // buggy-crypt_blowfish marker
  '$2b$10$tooshort',
  '$1$saltsalt$qJH7.N4xYta3aEG/dfqo/0', // md5_crypt: unsupported
  '$5$rounds=abc$salt$' + ZEROS_43,
  `$pbkdf2-sha256$29000$A$${ZEROS_43}`, // impossible base64 length
  `$pbkdf2-sha384$29000$c2FsdA$${ZEROS_43}`,
  `pbkdf2:md5:1000$salt$${'0'.repeat(32)}`,
  `pbkdf2:constructor:1000$salt$${ZEROS_HEX}`,
  `pbkdf2:sha256:1000$salt$${'A'.repeat(64)}`,
  `scrypt:1000:8:1$salt$${'0'.repeat(128)}`, // N not a power of two
  `scrypt:16384:8$salt$${'0'.repeat(128)}`,
  'a'.repeat(100_000),
];
// Parameters that would cost minutes, hours or the process's memory if they were honoured.
const ABSURD = [
  '$2b$31$NzK3LHCzglqb.V.5lk2m.eOKd28eg8KyYNkloGwe7ilx3cUKPtiNq',
  '$2b$15$NzK3LHCzglqb.V.5lk2m.eOKd28eg8KyYNkloGwe7ilx3cUKPtiNq',
  `$5$rounds=999999999$salt$${ZEROS_43}`,
  `$6$rounds=1000001$salt$${'A'.repeat(86)}`,
  `$pbkdf2-sha256$4294967295$c2FsdA$${ZEROS_43}`,
  `$pbkdf2-sha256$2000001$c2FsdA$${ZEROS_43}`,
  `pbkdf2:sha256:999999999$salt$${ZEROS_HEX}`,
  `scrypt:1048576:8:1$salt$${'0'.repeat(128)}`,
  `scrypt:16384:8:1000$salt$${'0'.repeat(128)}`,
  `scrypt:2:1:4294967295$salt$${'0'.repeat(128)}`,
];

describe('malformed and hostile hashes', () => {
  it.each([...GARBAGE, ...ABSURD])('%s → false, quickly, without throwing', async (hash) => {
    const started = performance.now();
    expect(isLegacyHash(hash)).toBe(false);
    await expect(verifyLegacyHash(hash, 'password')).resolves.toBe(false);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it(`refuses passwords over ${MAX_PASSWORD_BYTES} bytes before hashing`, async () => {
    const sha = fixtures.find((f) => f.id === 'passlib-sha256-crypt-custom')!;
    const started = performance.now();
    expect(await verifyLegacyHash(sha.hash, 'p'.repeat(MAX_PASSWORD_BYTES + 1))).toBe(false);
    expect(performance.now() - started).toBeLessThan(250);
  });
});
