import { validationFailed } from '../../core/errors/app-error.ts';

// Backslashes and control characters: browsers "fix" them in ways that can change the origin.
const unsafe = (value: string): boolean =>
  value.includes('\\') || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Checks a `redirect_to`: a path (`/app/home`) or an absolute URL on PUBLIC_URL's origin, nothing else,
 * so that the callback cannot be used as an open redirect. Returns the absolute URL, or null when absent.
 * @example redirectTarget('/settings?tab=links', 'https://id.example.com') // 'https://id.example.com/settings?tab=links'
 */
export function redirectTarget(value: string | undefined, publicUrl: string): string | null {
  if (value === undefined || value === '') return null;
  const base = new URL(publicUrl);
  // `//evil.example` looks like a path but is another origin to a browser (`/\evil…` is refused above).
  const isPath = value.startsWith('/') && !value.startsWith('//');
  const isAbsolute = /^https?:\/\//i.test(value);
  let target: URL | undefined;
  try {
    target = new URL(value, base);
  } catch {
    target = undefined;
  }
  if (unsafe(value) || !(isPath || isAbsolute) || target?.origin !== base.origin) {
    throw validationFailed(
      [{ path: '/query/redirect_to', message: `must be a path on ${base.origin}` }],
      'redirect_to must stay on this server.',
    );
  }
  return target.href;
}
