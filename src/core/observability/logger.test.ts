import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { scrubSecrets } from './log-safety.ts';
import { RequestLogger, loggerOptions, requestLoggerFactory } from './logger.ts';

/** Runs the same requests through an app with Fastify's own per-request child loggers, or with ours. */
async function linesWritten(lazy: boolean, level: 'warn' | 'debug'): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const options = loggerOptions(loadConfig({ LOG_LEVEL: level })) as object;
  let n = 0;
  const app = Fastify({
    logger: { ...options, stream },
    genReqId: () => `req-${++n}`,
    ...(lazy ? { childLoggerFactory: requestLoggerFactory } : {}),
  });
  app.get('/quiet', async (request) => {
    request.log.info({ body: { password: 'hunter22' } }, 'only at info');
    return { ok: true };
  });
  app.get('/loud', async (request) => {
    request.log.warn({ body: { password: 'hunter22', user: 'ann' } }, 'warned');
    request.log.child({ step: 'inner' }).error({ token: 'x', inner: { secret: 's' } }, 'child line');
    return { ok: true };
  });
  app.get('/fail', async () => {
    throw new Error('boom');
  });
  for (const url of ['/quiet', '/loud', '/fail', '/quiet?token=abc'])
    await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer secret' } });
  await app.close();
  return lines.map((line) => {
    const { time: _time, responseTime: _responseTime, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return rest;
  });
}

describe('requestLoggerFactory', () => {
  it.each(['warn', 'debug'] as const)(
    'writes exactly what pino children write (LOG_LEVEL=%s)',
    async (level) => {
      const expected = await linesWritten(false, level);
      expect(expected.length).toBeGreaterThan(0);
      expect(await linesWritten(true, level)).toEqual(expected);
      expect(JSON.stringify(expected)).not.toMatch(/hunter22|Bearer secret/);
    },
  );

  it('makes no pino child for a request that logs nothing at an enabled level', () => {
    let children = 0;
    const parent = {
      level: 'warn',
      isLevelEnabled: (l: string) => l === 'warn' || l === 'error' || l === 'fatal',
      child: () => {
        children++;
        return { ...parent, warn: () => undefined };
      },
    };
    const log = new RequestLogger(parent as never, { reqId: 'r' });
    log.info('no');
    log.debug('no');
    expect(children).toBe(0);
    expect(log.level).toBe('warn');
    expect(log.isLevelEnabled('info')).toBe(false);
    log.warn('yes');
    log.warn('again');
    expect(children).toBe(1);
  });
});

describe('loggerOptions', () => {
  const options = (env: string, isTTY: boolean | undefined) =>
    loggerOptions(loadConfig({ NODE_ENV: env, MASTER_KEY: 'a'.repeat(64) }), { isTTY });

  it('pretty-prints with pino-pretty in development on a terminal, keeping redaction', () => {
    const chosen = options('development', true);
    expect(chosen.transport).toMatchObject({ target: 'pino-pretty' });
    expect(chosen.redact).toMatchObject({ censor: '[redacted]' });
    expect(import.meta.resolve('pino-pretty')).toBeTruthy();
  });

  it.each([
    ['development', false],
    ['development', undefined],
    ['production', true],
    ['test', true],
  ] as const)('writes JSON lines for NODE_ENV=%s with isTTY=%s', (env, isTTY) => {
    const chosen = options(env, isTTY);
    expect(chosen.transport).toBeUndefined();
    expect(chosen.redact).toMatchObject({ censor: '[redacted]' });
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['an argon2id hash', 'hash $argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaC9oYXNoK2hhc2g end'],
    ['a bcrypt hash', 'hash $2b$10$5PaJB1OkGJgk5ChJc7KDi.J7ROo41GyDaEy2UdCJ.sjji13PSu0Hy end'],
    ['a Werkzeug hash', 'hash pbkdf2:sha256:600000$salt$0123abcd end'],
    ['a JWT', 'token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl end'],
    ['an API key', 'key bwk_0123456789ab_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq end'],
    ['a bearer header', 'sent Bearer abc.def-ghi end'],
    ['an address', 'mail to ann.lee+x@example.co.uk end'],
    ['an opaque token', 'reset Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg end'],
  ])('replaces %s', (_name, text) => {
    const scrubbed = scrubSecrets(text);
    expect(scrubbed).toMatch(/ \[redacted\] end$/);
  });

  it.each([
    'SMTP server said 421 try again later',
    'job 0190a4b2-7c3e-7def-8abc-0123456789ab failed',
    'sha256 9f86d081884c7d659a2feb3ba3a4f3b2b7d08a8a1f2a0c1d6b1c2f0a9e8d7c6b',
  ])('keeps %j as it is (control)', (text) => {
    expect(scrubSecrets(text)).toBe(text);
  });
});
