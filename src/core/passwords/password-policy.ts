// The password policy (NIST SP 800-63B style): a length range and a block list, no composition rules.
import { readFileSync } from 'node:fs';
import { validationFailed } from '../errors/app-error.ts';

/** Lengths in Unicode code points, so an emoji counts as one character, as a person would count it. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/** The verdict on a candidate password; `reason` is a sentence to show the user. */
export type PasswordVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

// 49,233 common passwords, most frequent first (source and license: common-passwords.NOTICE.md).
const LIST_URL = new URL('./common-passwords.txt', import.meta.url);
let commonPasswords: ReadonlySet<string> | undefined;

/** Loads the list once, on first use; entries shorter than the minimum are skipped (they fail anyway). */
function getCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(LIST_URL, 'utf8')
      .split('\n')
      .map((line) => line.trim().toLowerCase())
      .filter((line) => codePoints(line, MIN_PASSWORD_LENGTH) >= MIN_PASSWORD_LENGTH),
  );
  return commonPasswords;
}

/** Counts code points, stopping once past `stop` so a megabyte of input costs nothing. */
function codePoints(text: string, stop: number): number {
  let count = 0;
  for (const _ of text) if (++count > stop) break;
  return count;
}

/**
 * Checks a new password against the policy: 8 to 128 characters, and not a common password (compared
 * case-insensitively).
 * @example checkPassword('hunter2') // { ok: false, reason: 'Use at least 8 characters.' }
 */
export function checkPassword(password: string): PasswordVerdict {
  const length = codePoints(password, MAX_PASSWORD_LENGTH);
  if (length < MIN_PASSWORD_LENGTH) {
    return { ok: false, reason: `Use at least ${MIN_PASSWORD_LENGTH} characters.` };
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return { ok: false, reason: `Use at most ${MAX_PASSWORD_LENGTH} characters.` };
  }
  if (getCommonPasswords().has(password.toLowerCase())) {
    return { ok: false, reason: 'This password is too common and easy to guess. Choose another.' };
  }
  return { ok: true };
}

/** Fails with 422 naming the field when the password breaks the policy. */
export function assertPasswordPolicy(password: string, field = 'password'): void {
  const verdict = checkPassword(password);
  if (!verdict.ok) throw validationFailed([{ path: `/body/${field}`, message: verdict.reason }]);
}
