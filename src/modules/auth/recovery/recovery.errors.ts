import { AppError, validationFailed, type FieldError } from '../../../core/errors/app-error.ts';

/** 422 listing every field error; the detail repeats a lone one, so a client showing only it is clear. */
export function unprocessable(errors: readonly FieldError[]): AppError {
  return validationFailed(
    [...errors],
    errors.length === 1 ? errors[0]!.message : 'The request is not valid.',
  );
}

/** 429 with `Retry-After`, for a caller asking for another mail too soon. */
export function mailTooSoon(waitSeconds: number): AppError {
  return new AppError('RATE_LIMITED', `A mail was sent moments ago; ask again in ${waitSeconds} s.`, {
    headers: { 'retry-after': String(waitSeconds) },
  });
}
