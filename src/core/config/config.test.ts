import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { parseBytes, parseDuration, parseRate } from './durations.ts';

describe('durations', () => {
  it.each([
    ['900', 900],
    ['90s', 90],
    ['15m', 900],
    ['12h', 43_200],
    ['30d', 2_592_000],
  ])('parseDuration(%s) = %d', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '0', '-5m', '5w', 'abc', '1.5h'])('parseDuration(%s) is invalid', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('parses rates and sizes', () => {
    expect(parseRate('5/15m')).toEqual({ max: 5, windowSeconds: 900 });
    expect(parseRate('0/15m')).toBeUndefined();
    expect(parseRate('5')).toBeUndefined();
    expect(parseBytes('1mb')).toBe(1_048_576);
    expect(parseBytes('10MB')).toBe(10_485_760);
    expect(parseBytes('lots')).toBeUndefined();
  });
});

describe('loadConfig', () => {
  it('gives development defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      databaseUrl: undefined,
      migrateOnStart: true,
      basicAuth: true,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 2_592_000,
      loginThrottle: { max: 5, windowSeconds: 900 },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/bulwark',
      MASTER_KEY: 'a'.repeat(64),
      CORS_ORIGINS: 'https://a.example, https://b.example/',
      BASIC_AUTH: 'off',
      LOGIN_THROTTLE: '10/1h',
      ACCESS_TOKEN_TTL: '5m',
    });
    expect(config.env).toBe('production');
    expect(config.port).toBe(8080);
    expect(config.masterKey?.length).toBe(32);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.basicAuth).toBe(false);
    expect(config.migrateOnStart).toBe(false);
    expect(config.loginThrottle).toEqual({ max: 10, windowSeconds: 3600 });
    expect(config.accessTokenTtlSeconds).toBe(300);
  });

  it('lists every bad value at once, one line each', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', RATE_LIMIT: 'maybe', MASTER_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT="eighty"/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/RATE_LIMIT/);
    expect(problems.join('\n')).toMatch(/MASTER_KEY/);
  });

  it('requires MASTER_KEY in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MASTER_KEY is required/);
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, 'loopback'],
    ['off', false],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.10', '10.0.0.0/8,192.168.1.10'],
  ])('%s → %j', (raw, expected) => {
    expect(loadConfig(raw === undefined ? {} : { TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it('refuses values that would trust any client', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '*' })).toThrow(/TRUST_PROXY/);
  });
});

describe('re-authentication and API key settings', () => {
  it('default to 10 minutes and 365 days, and read REAUTH_WINDOW and API_KEY_MAX_TTL', () => {
    expect(loadConfig({})).toMatchObject({ reauthWindowSeconds: 600, apiKeyMaxTtlSeconds: 365 * 86_400 });
    const config = loadConfig({ REAUTH_WINDOW: '2m', API_KEY_MAX_TTL: '90d' });
    expect(config).toMatchObject({ reauthWindowSeconds: 120, apiKeyMaxTtlSeconds: 90 * 86_400 });
  });

  it.each(['REAUTH_WINDOW', 'API_KEY_MAX_TTL'])('%s refuses what is no duration', (name) => {
    expect(() => loadConfig({ [name]: 'forever' })).toThrow(new RegExp(`${name}="forever"`));
  });
});
