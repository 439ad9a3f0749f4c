import { describe, expect, it } from 'vitest';
import { checkPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-policy.ts';

const refused = (reason: RegExp) => ({ ok: false, reason: expect.stringMatching(reason) });

describe('checkPassword', () => {
  it.each([
    ['empty', '', /at least 8 characters/],
    ['7 characters', 'abc1234', /at least 8 characters/],
    ['129 characters', 'x'.repeat(MAX_PASSWORD_LENGTH + 1), /at most 128 characters/],
    ['a megabyte', 'x'.repeat(1 << 20), /at most 128 characters/],
    // 4 emoji are 8 UTF-16 units but 4 characters.
    ['4 emoji', '🔑🔑🔑🔑', /at least 8 characters/],
    ['7 characters with an accent written as two code points', 'cafe\u0301xy', /at least 8 characters/],
  ])('refuses %s', (_name, password, reason) => {
    expect(checkPassword(password)).toEqual(refused(reason));
  });

  it('counts code points: 8 emoji (16 units) and 128 emoji (256 units) are accepted', () => {
    expect(checkPassword('🔑'.repeat(MIN_PASSWORD_LENGTH))).toEqual({ ok: true });
    expect(checkPassword('🔑'.repeat(MAX_PASSWORD_LENGTH))).toEqual({ ok: true });
    expect(checkPassword('🔑'.repeat(MAX_PASSWORD_LENGTH + 1))).toEqual(refused(/at most/));
  });

  it.each(['password', 'PASSWORD', 'PassWord', '12345678', 'qwertyuiop', 'Iloveyou', 'sunshine', 'Trustno1'])(
    'refuses the common password %s, whatever its case',
    (password) => {
      expect(checkPassword(password)).toEqual(refused(/too common/));
    },
  );

  it.each(['correct horse battery staple', 'Tr0ub4dor&3-but-longer', 'pässwörd ☃ 日本語', 'x'.repeat(128)])(
    'accepts %s',
    (password) => {
      expect(checkPassword(password)).toEqual({ ok: true });
    },
  );
});
