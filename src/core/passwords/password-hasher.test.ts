import { describe, expect, it } from 'vitest';
import fixtureFile from '../../../test/fixtures/password-hashes/hashes.json' with { type: 'json' };
import { createPasswordHasher, DEFAULT_ARGON2_PARAMS } from './password-hasher.ts';

// Small parameters where speed matters; the defaults are exercised once below.
const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const fast = createPasswordHasher(FAST);
const DEFAULT_HASHER = createPasswordHasher(DEFAULT_ARGON2_PARAMS);

describe('createPasswordHasher', () => {
  it('defaults to OWASP argon2id parameters and verifies its own hash', async () => {
    const hasher = createPasswordHasher();
    expect(hasher.params).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await hasher.verify(hash, 'correct horse battery staple')).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect(await hasher.verify(hash, 'correct horse battery stapler')).toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('round-trips with custom parameters, Unicode and an empty password; salts differ', async () => {
    for (const password of ['pässwörd ☃ 🔑', '']) {
      const [a, b] = await Promise.all([fast.hash(password), fast.hash(password)]);
      expect(a).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      expect(a).not.toBe(b);
      expect((await fast.verify(a, password)).ok).toBe(true);
      expect((await fast.verify(a, `${password}x`)).ok).toBe(false);
    }
  });

  it('rejects invalid parameters at construction', () => {
    expect(() => createPasswordHasher({ timeCost: 0 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ memoryCost: 4, parallelism: 1 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ parallelism: 1.5 })).toThrow(RangeError);
  });
});

describe('needsRehash', () => {
  it('is true for a hash made with weaker parameters, false for current or stronger ones', async () => {
    const weak = await fast.hash('pw');
    const strong = createPasswordHasher({ ...FAST, memoryCost: 2048 });
    expect(await strong.verify(weak, 'pw')).toEqual({ ok: true, needsRehash: true });
    expect(await fast.verify(await strong.hash('pw'), 'pw')).toEqual({ ok: true, needsRehash: false });
    const moreTime = createPasswordHasher({ ...FAST, timeCost: 2 });
    expect((await moreTime.verify(weak, 'pw')).needsRehash).toBe(true);
  });

  it('is true for a verified legacy hash and false when the password is wrong', async () => {
    const legacy = fixtureFile.fixtures.find((f) => f.id === 'passlib-pbkdf2-sha256')!;
    expect(await fast.verify(legacy.hash, legacy.password)).toEqual({ ok: true, needsRehash: true });
    expect(await fast.verify(legacy.hash, legacy.wrongPassword)).toEqual({ ok: false, needsRehash: false });
  });
});

describe('verify on hostile input', () => {
  const hostile = [
    '',
    'garbage',
    '$argon2id$',
    '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$',
    '$argon2id$v=19$m=1024,t=1,p=1$!!!$!!!',
    // An imported hash asking for 4 TiB of memory: honoured, it gets the process OOM-killed.
    '$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    '$argon2id$v=19$m=19456,t=4294967295,p=1$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    '$argon2id$v=19$m=19456,t=2,p=255$c29tZXNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    `$argon2id$v=19$m=1024,t=1,p=1$${'A'.repeat(600)}$${'A'.repeat(43)}`,
  ];

  it.each(hostile)('%s → ok:false quickly, never throws', async (hash) => {
    const started = performance.now();
    await expect(DEFAULT_HASHER.verify(hash, 'password')).resolves.toEqual({ ok: false, needsRehash: false });
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('survives values the types forbid (a NULL column read through `any`)', async () => {
    const untyped = DEFAULT_HASHER as { verify(hash: unknown, password: unknown): Promise<unknown> };
    for (const value of [null, undefined, 42, {}]) {
      await expect(untyped.verify(value, 'pw')).resolves.toEqual({ ok: false, needsRehash: false });
    }
  });
});

describe('verifyDummy', () => {
  it('really runs argon2 with the configured parameters', async () => {
    await DEFAULT_HASHER.verifyDummy('warm-up'); // the first call also makes the dummy hash
    const started = performance.now();
    await DEFAULT_HASHER.verifyDummy('anything');
    // 19 MiB and 2 passes take tens of milliseconds; a short-circuit would take microseconds.
    expect(performance.now() - started).toBeGreaterThan(3);
  });

  it('resolves without a value and does not throw', async () => {
    await expect(fast.verifyDummy('')).resolves.toBeUndefined();
  });
});
