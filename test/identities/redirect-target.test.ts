import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors/app-error.ts';
import { redirectTarget } from '../../src/modules/identities/redirect-target.ts';

const BASE = 'https://id.example.com';

describe('redirectTarget', () => {
  it.each([
    ['/home', `${BASE}/home`],
    ['/app/links?tab=1#top', `${BASE}/app/links?tab=1#top`],
    [`${BASE}/settings`, `${BASE}/settings`],
    ['HTTPS://ID.EXAMPLE.COM/x', `${BASE}/x`],
  ])('accepts %s on PUBLIC_URL', (value, expected) => {
    expect(redirectTarget(value, BASE)).toBe(expected);
  });

  it('is null when absent', () => {
    expect(redirectTarget(undefined, BASE)).toBeNull();
    expect(redirectTarget('', BASE)).toBeNull();
  });

  it.each([
    'https://evil.example/',
    'https://id.example.com.evil.example/',
    'https://id.example.com@evil.example/',
    'http://id.example.com/', // another origin: the scheme differs
    'https://id.example.com:444/',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'data:text/html,hi',
    'home',
    '/ok\r\nSet-Cookie: x=y',
    '/\tevil',
  ])('refuses %j with a 422 on /query/redirect_to', (value) => {
    let error: unknown;
    try {
      redirectTarget(value, BASE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('VALIDATION_FAILED');
    expect((error as AppError).errors?.[0]?.path).toBe('/query/redirect_to');
  });
});
