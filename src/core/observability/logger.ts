import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import type { Config } from '../config/config.ts';
import { errSerializer } from './log-safety.ts';

/** Paths pino censors wherever they appear in a log line: credentials never reach a log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-auth"]',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.password_hash',
  '*.passwordHash',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.key',
  '*.private_key_pem',
  '*.passphrase',
];

/** Query values can carry tokens (`?token=`); logs keep the names only. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const names = new URLSearchParams(url.slice(q + 1)).keys();
  return `${url.slice(0, q)}?${[...names].map((n) => `${n}=[redacted]`).join('&')}`;
}

/**
 * The server's pino options. In development on a terminal the lines are pretty-printed by `pino-pretty`
 * (a transport, off the main thread); everywhere else they are JSON, one object a line. Redaction and the
 * serializers run before either, so both print the same censored values.
 * @example Fastify({ logger: loggerOptions(config) })
 */
export function loggerOptions(
  config: Config,
  terminal: { readonly isTTY?: boolean } = process.stdout,
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
      }),
      // Database errors by SQLSTATE and constraint only; other messages scrubbed (see log-safety.ts).
      err: errSerializer,
      error: errSerializer,
    },
    ...(config.env === 'development' &&
      terminal.isTTY === true && {
        transport: {
          target: 'pino-pretty',
          options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
        },
      }),
  };
}

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type PinoLike = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/**
 * The per-request logger, made on the first line it writes. Fastify gives every request a child logger
 * bound to its id; with redaction configured, pino runs the redactor over those bindings when the child is
 * made, for every request, though at LOG_LEVEL=warn almost none logs. This one makes the same pino child
 * on the first call at an enabled level, so every line written is the same as before.
 */
export class RequestLogger implements FastifyBaseLogger {
  readonly #parent: PinoLike;
  readonly #bindings: Bindings;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings) {
    this.#parent = parent as PinoLike;
    this.#bindings = bindings;
  }

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }

  #log(level: LevelName, args: unknown[]): void {
    if (this.#child || this.#parent.isLevelEnabled(level)) {
      const real = this.#real();
      Reflect.apply(real[level], real, args);
    }
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  // Methods on the prototype, not per-instance closures: one of these is made for every request.
  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#log('error', args);
  }
  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }
  info(...args: unknown[]): void {
    this.#log('info', args);
  }
  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }

  isLevelEnabled(level: string): boolean {
    return ((this.#child ?? this.#parent) as PinoLike).isLevelEnabled(level);
  }
}

/**
 * Fastify's `childLoggerFactory`: a lazy RequestLogger, unless the route sets its own log level or
 * serializers (then pino's child at once, as Fastify would make it).
 */
export const requestLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (
  logger,
  bindings,
  options,
) {
  if (options.level !== undefined || options.serializers !== undefined)
    return logger.child(bindings, options);
  return new RequestLogger(logger, bindings);
};
