const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Parses a duration such as `900`, `90s`, `15m`, `12h` or `30d` into whole seconds.
 * @example parseDuration('15m') // 900
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = UNIT_SECONDS[match[2] || 's'] ?? 1;
  return value > 0 ? value * unit : undefined;
}

/**
 * Parses a rate such as `5/15m` (five attempts per fifteen minutes).
 * @example parseRate('5/15m') // { max: 5, windowSeconds: 900 }
 */
export function parseRate(text: string): { max: number; windowSeconds: number } | undefined {
  const [count, window] = text.split('/');
  if (count === undefined || window === undefined) return undefined;
  const max = Number(count);
  const windowSeconds = parseDuration(window);
  if (!Number.isInteger(max) || max < 1 || windowSeconds === undefined) return undefined;
  return { max, windowSeconds };
}

/**
 * Parses a byte size such as `1048576`, `512kb`, `1mb` or `10MB`.
 * @example parseBytes('1mb') // 1048576
 */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase()] ?? 1;
  const value = Number(match[1]) * factor;
  return value > 0 ? value : undefined;
}
