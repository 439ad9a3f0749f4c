import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors/app-error.ts';
import { assertBirthDate } from './accounts.service.ts';

const iso = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('assertBirthDate', () => {
  it.each([undefined, null, '1900-01-01', '1990-06-15', iso(0)])('accepts %s', (value) => {
    expect(() => assertBirthDate(value)).not.toThrow();
  });

  it.each(['1899-12-31', '0000-01-01', iso(2), '9999-12-31'])(
    'refuses %s with a 422 on the field',
    (value) => {
      try {
        assertBirthDate(value);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/body/date_of_birth' }] });
      }
    },
  );
});
