import path from 'node:path';
import { parseBytes, parseDuration, parseRate } from './durations.ts';

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The whole configuration, parsed and validated once at boot. Nothing else reads `process.env`. */
export interface Config {
  readonly env: Environment;
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  /** Absent: the embedded PGlite database under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dbPoolSize: number;
  readonly dataDir: string;
  readonly migrateOnStart: boolean;
  /** 32-byte key (base64 or hex in `MASTER_KEY`); absent only outside production, then generated at boot. */
  readonly masterKey: Buffer | undefined;
  readonly redisUrl: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly storageDir: string;
  readonly corsOrigins: readonly string[];
  /**
   * Which proxies' X-Forwarded-For to believe (TRUST_PROXY): `off`, `loopback` (default), a hop count, or a
   * comma-separated list of addresses/CIDRs. Never "everyone": a client could then pick its own address.
   */
  readonly trustProxy: boolean | number | string;
  readonly logLevel: LogLevel;
  readonly rateLimit: boolean;
  /** Password attempts per account and per client address (LOGIN_THROTTLE, default 5/15m). */
  readonly loginThrottle: Rate;
  /** Registrations per client address (REGISTER_THROTTLE, default 20/1h). */
  readonly registerThrottle: Rate;
  /** Anonymous OIDC sign-ins started per client address (OAUTH_START_THROTTLE, default 30/15m). */
  readonly oauthStartThrottle: Rate;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly basicAuth: boolean;
  /** `iss` of access tokens: PUBLIC_URL unless JWT_ISSUER says otherwise. */
  readonly jwtIssuer: string;
  /** `aud` of access tokens (JWT_AUDIENCE, default `bulwark`). */
  readonly jwtAudience: string;
  /** A cookie session ends after this long unused (SESSION_IDLE_TIMEOUT, default 2h)… */
  readonly sessionIdleSeconds: number;
  /**
   * Absolute lifetime of every sign-in — refresh-token family or cookie session — counted from the sign-in,
   * however often it is used or refreshed (SESSION_MAX_AGE, default 30d; ASVS 3.3.2).
   */
  readonly sessionMaxAgeSeconds: number;
  /**
   * Lifetime of a cookie session, at most sessionMaxAgeSeconds (SESSION_COOKIE_MAX_AGE). Default 7d; but
   * SESSION_MAX_AGE alone keeps its former meaning, the cookie session's lifetime, so old settings hold.
   */
  readonly cookieSessionMaxAgeSeconds: number;
  /** Refuse sign-in until the email is verified (REQUIRE_EMAIL_VERIFICATION, default off). */
  readonly requireEmailVerification: boolean;
  /**
   * How long after a password sign-in a session counts as fresh for sensitive changes (email change, new
   * API key) without the password in the request (REAUTH_WINDOW, default 10m).
   */
  readonly reauthWindowSeconds: number;
  /** The longest an API key may live; a key asked for without `expires_at` gets this (API_KEY_MAX_TTL, 365d). */
  readonly apiKeyMaxTtlSeconds: number;
  /** OpenID Connect / OAuth 2.0 providers (OIDC_PROVIDERS, a JSON array). */
  readonly oidcProviders: readonly OidcProviderConfig[];
  /** Create an account at first external sign-in with a verified email (OIDC_CREATE_ACCOUNTS, default off). */
  readonly oidcCreateAccounts: boolean;
  /** argon2id parameters (ARGON2_MEMORY_KIB, ARGON2_TIME_COST, ARGON2_PARALLELISM). */
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  /** Let webhooks reach loopback and private addresses (WEBHOOK_ALLOW_PRIVATE, default off; for tests). */
  readonly webhookAllowPrivate: boolean;
  /** Bound on one webhook attempt, connect to last byte read (WEBHOOK_TIMEOUT, default 10s). */
  readonly webhookTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxUploadBytes: number;
  readonly shutdownTimeoutMs: number;
  readonly jobPollMs: number;
  readonly jobWorkers: boolean;
  /** Model serving (issue 10): upload size, session cache budget, batching and job defaults. */
  readonly models: {
    readonly maxModelBytes: number;
    readonly cacheBytes: number;
    readonly maxBatchSize: number;
    readonly maxDelayMs: number;
    readonly maxQueueRows: number;
    readonly timeoutMs: number;
    readonly maxJobBytes: number;
    readonly jobChunkRows: number;
    readonly jobResultTtlSeconds: number;
  };
  /** The previous master key during `bulwark keys rotate-master` (MASTER_KEY_PREVIOUS): still unwraps. */
  readonly masterKeyPrevious: Buffer | undefined;
  /** Longest validity a certificate may ask for (CERT_MAX_VALIDITY_DAYS, default 398). */
  readonly certMaxValidityDays: number;
  /** Validity when the request names none (CERT_DEFAULT_VALIDITY_DAYS, default 90, at most the cap). */
  readonly certDefaultValidityDays: number;
  /** Create a root and an intermediate at first start when none exists (CA_AUTO_INIT, default on). */
  readonly caAutoInit: boolean;
  /** How long a CRL is valid (`nextUpdate - thisUpdate`, CRL_VALIDITY, default 1d). */
  readonly crlValiditySeconds: number;
  /** How often the purge of ended rows runs, once across all instances (HOUSEKEEPING_INTERVAL, default 1h). */
  readonly housekeepingIntervalSeconds: number;
  /** How long ended rows are kept (RETENTION_JOBS 7d, RETENTION_SESSIONS 30d, RETENTION_TOKENS 7d), seconds. */
  readonly retention: { readonly jobs: number; readonly sessions: number; readonly tokens: number };
  /** The catalogue's and feedback's settings (recommendations' data). */
  readonly catalog: {
    /** How often the IMDB terms `m` and `C` are recomputed after ratings changed (POPULARITY_REFRESH, 1m). */
    readonly popularityRefreshSeconds: number;
    /** Rows per statement of the item and feedback imports (IMPORT_BATCH_ROWS, default 5000). */
    readonly importBatchRows: number;
    /** The longest line an import accepts (IMPORT_MAX_LINE_BYTES, default 64 KiB). */
    readonly importMaxLineBytes: number;
  };
  /** Pixels (width × height × frames) an uploaded image may declare (MAX_IMAGE_PIXELS, default 25 million). */
  readonly maxImagePixels: number;
  /** S3-compatible blob storage instead of STORAGE_DIR, when S3_BUCKET is set. */
  readonly s3: S3Config | undefined;
  readonly graphql: GraphqlConfig;
  /** Groups (issue 11): how members' scores combine by default, and how many members and invitations. */
  readonly groups: {
    /** GROUP_AGGREGATION (`average` or `least_misery`, default average): a new group's setting. */
    readonly defaultAggregation: 'average' | 'least_misery';
    /** GROUP_MAX_MEMBERS (default 50): members plus pending invitations of one group. */
    readonly maxMembers: number;
    /** GROUP_INVITE_THROTTLE (default 20/1h): invitations (so mails) sent by one account, and to one account. */
    readonly inviteThrottle: Rate;
  };
  readonly reco: RecoConfig;
}

/** Training of the recommendation model (RECO_*); see docs/OPERATIONS.md. */
export interface RecoConfig {
  /** Whether this instance trains at all (RECO_TRAINING, default on); one trains at a time regardless. */
  readonly training: boolean;
  /** Retrain at least this often when any feedback changed (RECO_RETRAIN_INTERVAL, default 1h). */
  readonly retrainIntervalSeconds: number;
  /** Retrain as soon as this many feedback rows changed since the model's data (RECO_RETRAIN_MIN_FEEDBACK, default 1000). */
  readonly retrainMinFeedback: number;
  /** How often an instance checks for both, and for a newer model trained elsewhere (RECO_CHECK_INTERVAL, default 30s). */
  readonly checkIntervalSeconds: number;
  /** EASE regularisation λ (RECO_EASE_LAMBDA, default 450, chosen on a validation split of MovieLens-100k). */
  readonly easeLambda: number;
  /** Items EASE covers, the most interacted first (RECO_EASE_MAX_ITEMS, default 3000; training time grows with its cube). */
  readonly easeMaxItems: number;
}

/** `N/window`: at most `max` events per `windowSeconds`. */
export interface Rate {
  readonly max: number;
  readonly windowSeconds: number;
}

export interface S3Config {
  readonly endpoint: string | undefined;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

/** Limits checked before a GraphQL operation runs (GRAPHQL_*). */
export interface GraphqlConfig {
  readonly introspection: boolean;
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  readonly maxBatch: number;
  /** Compile each document once with graphql-jit instead of interpreting it on every request. */
  readonly jit: boolean;
}

export interface OidcProviderConfig {
  readonly name: string;
  readonly issuer: string;
  readonly client_id: string;
  readonly client_secret: string;
  readonly scopes?: readonly string[];
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment; throws a ConfigError listing every bad value at once. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T | undefined, expected: string): T => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = parse(raw.trim());
    if (value === undefined)
      problems.push(`${name}=${JSON.stringify(raw)} is not valid: expected ${expected}`);
    return value ?? fallback;
  };

  const nodeEnv = read<Environment>(
    'NODE_ENV',
    'development',
    oneOf(['development', 'test', 'production']),
    'development, test or production',
  );
  const port = read('PORT', 3000, integerIn(0, 65_535), 'a port number 0..65535');
  const host = read('HOST', nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1', (s) => s, 'a host name');
  const publicUrl = read('PUBLIC_URL', `http://localhost:${port}`, url, 'an http(s) URL').replace(/\/+$/, '');
  const databaseUrl = read<string | undefined>(
    'DATABASE_URL',
    undefined,
    postgresUrl,
    'a postgres:// or postgresql:// URL',
  );
  const dataDir = path.resolve(read('DATA_DIR', './data', (s) => s, 'a directory'));
  const masterKey = read<Buffer | undefined>(
    'MASTER_KEY',
    undefined,
    key32,
    '32 bytes as base64 or 64 hex characters',
  );
  if (nodeEnv === 'production' && !masterKey && !env.MASTER_KEY) {
    problems.push(
      'MASTER_KEY is required when NODE_ENV=production (32 bytes as base64 or 64 hex characters)',
    );
  }

  const certMaxValidityDays = read('CERT_MAX_VALIDITY_DAYS', 398, integerIn(1, 36_500), 'days 1..36500');
  const sessionMaxAgeSeconds = read('SESSION_MAX_AGE', 30 * 86_400, parseDuration, 'a duration such as 30d');

  const config: Config = {
    env: nodeEnv,
    port,
    host,
    publicUrl,
    databaseUrl,
    dbPoolSize: read('DB_POOL_SIZE', 10, integerIn(1, 1000), 'an integer 1..1000'),
    dataDir,
    migrateOnStart: read('MIGRATE_ON_START', nodeEnv !== 'production', onOff, 'on or off'),
    masterKey,
    redisUrl: read<string | undefined>('REDIS_URL', undefined, redisUrl, 'a redis:// or rediss:// URL'),
    smtpUrl: read<string | undefined>('SMTP_URL', undefined, smtpUrl, 'an smtp:// or smtps:// URL'),
    storageDir: path.resolve(read('STORAGE_DIR', path.join(dataDir, 'storage'), (s) => s, 'a directory')),
    corsOrigins: read('CORS_ORIGINS', [] as string[], origins, 'a comma-separated list of http(s) origins'),
    trustProxy: read<boolean | number | string>(
      'TRUST_PROXY',
      'loopback',
      trustProxy,
      'off, loopback, a hop count, or addresses/CIDRs',
    ),
    logLevel: read<LogLevel>(
      'LOG_LEVEL',
      nodeEnv === 'test' ? 'silent' : 'info',
      oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      'fatal, error, warn, info, debug, trace or silent',
    ),
    rateLimit: read('RATE_LIMIT', true, onOff, 'on or off'),
    loginThrottle: read(
      'LOGIN_THROTTLE',
      { max: 5, windowSeconds: 900 },
      parseRate,
      'COUNT/DURATION such as 5/15m',
    ),
    registerThrottle: read(
      'REGISTER_THROTTLE',
      { max: 20, windowSeconds: 3600 },
      parseRate,
      'COUNT/DURATION such as 20/1h',
    ),
    oauthStartThrottle: read(
      'OAUTH_START_THROTTLE',
      { max: 30, windowSeconds: 900 },
      parseRate,
      'COUNT/DURATION such as 30/15m',
    ),
    accessTokenTtlSeconds: read('ACCESS_TOKEN_TTL', 900, parseDuration, 'a duration such as 900, 15m or 1h'),
    refreshTokenTtlSeconds: read('REFRESH_TOKEN_TTL', 30 * 86_400, parseDuration, 'a duration such as 30d'),
    basicAuth: read('BASIC_AUTH', true, onOff, 'on or off'),
    jwtIssuer: read('JWT_ISSUER', publicUrl, (s) => s, 'a string'),
    jwtAudience: read('JWT_AUDIENCE', 'bulwark', (s) => s, 'a string'),
    sessionIdleSeconds: read('SESSION_IDLE_TIMEOUT', 2 * 3600, parseDuration, 'a duration such as 2h'),
    sessionMaxAgeSeconds,
    cookieSessionMaxAgeSeconds: read(
      'SESSION_COOKIE_MAX_AGE',
      env.SESSION_MAX_AGE?.trim() ? sessionMaxAgeSeconds : Math.min(7 * 86_400, sessionMaxAgeSeconds),
      parseDuration,
      'a duration such as 7d',
    ),
    requireEmailVerification: read('REQUIRE_EMAIL_VERIFICATION', false, onOff, 'on or off'),
    reauthWindowSeconds: read('REAUTH_WINDOW', 600, parseDuration, 'a duration such as 10m'),
    apiKeyMaxTtlSeconds: read('API_KEY_MAX_TTL', 365 * 86_400, parseDuration, 'a duration such as 365d'),
    oidcProviders: read(
      'OIDC_PROVIDERS',
      [] as OidcProviderConfig[],
      oidcProviders,
      'a JSON array of {name, issuer, client_id, client_secret, scopes?}',
    ),
    oidcCreateAccounts: read('OIDC_CREATE_ACCOUNTS', false, onOff, 'on or off'),
    argon2: {
      memoryCost: read('ARGON2_MEMORY_KIB', 19_456, integerIn(1024, 4_194_304), 'KiB 1024..4194304'),
      timeCost: read('ARGON2_TIME_COST', 2, integerIn(1, 100), 'an integer 1..100'),
      parallelism: read('ARGON2_PARALLELISM', 1, integerIn(1, 16), 'an integer 1..16'),
    },
    webhookAllowPrivate: read('WEBHOOK_ALLOW_PRIVATE', false, onOff, 'on or off'),
    webhookTimeoutMs:
      read('WEBHOOK_TIMEOUT', 10, (raw) => atMost(60, parseDuration(raw)), 'a duration 1s..60s such as 10s') *
      1000,
    maxBodyBytes: read('MAX_BODY_BYTES', 1024 * 1024, parseBytes, 'a size such as 1048576 or 1mb'),
    maxUploadBytes: read('MAX_UPLOAD_BYTES', 10 * 1024 * 1024, parseBytes, 'a size such as 10mb'),
    shutdownTimeoutMs: read('SHUTDOWN_TIMEOUT', 10, parseDuration, 'a duration such as 10s') * 1000,
    jobPollMs: read('JOB_POLL_INTERVAL_MS', 1000, integerIn(10, 600_000), 'milliseconds 10..600000'),
    jobWorkers: read('JOB_WORKERS', true, onOff, 'on or off'),
    models: {
      maxModelBytes: read('MAX_MODEL_BYTES', 200 * 1024 * 1024, parseBytes, 'a size such as 200mb'),
      cacheBytes: read('MODEL_CACHE_BYTES', 1024 * 1024 * 1024, parseBytes, 'a size such as 1gb'),
      maxBatchSize: read('MODEL_MAX_BATCH_SIZE', 32, integerIn(1, 4096), 'an integer 1..4096'),
      maxDelayMs: read('MODEL_MAX_DELAY_MS', 2, integerIn(0, 1000), 'milliseconds 0..1000'),
      maxQueueRows: read('MODEL_MAX_QUEUE', 1000, integerIn(1, 1_000_000), 'rows 1..1000000'),
      timeoutMs: read('MODEL_TIMEOUT_MS', 10_000, integerIn(1, 600_000), 'milliseconds 1..600000'),
      maxJobBytes: read('MAX_JOB_BYTES', 64 * 1024 * 1024, parseBytes, 'a size such as 64mb'),
      jobChunkRows: read('MODEL_JOB_CHUNK_ROWS', 1000, integerIn(1, 100_000), 'rows 1..100000'),
      jobResultTtlSeconds: read('JOB_RESULT_TTL', 7 * 86_400, parseDuration, 'a duration such as 7d'),
    },
    masterKeyPrevious: read<Buffer | undefined>(
      'MASTER_KEY_PREVIOUS',
      undefined,
      key32,
      '32 bytes as base64 or 64 hex characters',
    ),
    certMaxValidityDays,
    certDefaultValidityDays: Math.min(
      certMaxValidityDays,
      read('CERT_DEFAULT_VALIDITY_DAYS', 90, integerIn(1, 36_500), 'days 1..36500'),
    ),
    caAutoInit: read('CA_AUTO_INIT', true, onOff, 'on or off'),
    crlValiditySeconds: read('CRL_VALIDITY', 86_400, parseDuration, 'a duration such as 1d or 12h'),
    housekeepingIntervalSeconds: read('HOUSEKEEPING_INTERVAL', 3600, atLeast(60), 'a duration of 1m or more'),
    retention: {
      jobs: read('RETENTION_JOBS', 7 * 86_400, parseDuration, 'a duration such as 7d'),
      sessions: read('RETENTION_SESSIONS', 30 * 86_400, parseDuration, 'a duration such as 30d'),
      // At least an hour: the per-account limit on recovery mail counts the last hour's tokens.
      tokens: read('RETENTION_TOKENS', 7 * 86_400, atLeast(3600), 'a duration of 1h or more'),
    },
    catalog: {
      popularityRefreshSeconds: read('POPULARITY_REFRESH', 60, parseDuration, 'a duration such as 1m'),
      importBatchRows: read('IMPORT_BATCH_ROWS', 5000, integerIn(1, 20_000), 'rows 1..20000'),
      importMaxLineBytes: read('IMPORT_MAX_LINE_BYTES', 64 * 1024, parseBytes, 'a size such as 64kb'),
    },
    maxImagePixels: read('MAX_IMAGE_PIXELS', 25_000_000, integerIn(1, 1_000_000_000), 'an integer'),
    s3: readS3(env),
    graphql: {
      introspection: read('GRAPHQL_INTROSPECTION', nodeEnv !== 'production', onOff, 'on or off'),
      maxDepth: read('GRAPHQL_MAX_DEPTH', 10, integerIn(1, 100), 'an integer 1..100'),
      maxCost: read('GRAPHQL_MAX_COST', 20_000, integerIn(1, 10_000_000), 'an integer'),
      maxAliases: read('GRAPHQL_MAX_ALIASES', 15, integerIn(0, 1000), 'an integer 0..1000'),
      maxDirectives: read('GRAPHQL_MAX_DIRECTIVES', 20, integerIn(0, 1000), 'an integer 0..1000'),
      maxTokens: read('GRAPHQL_MAX_TOKENS', 2000, integerIn(10, 100_000), 'an integer 10..100000'),
      maxBatch: read('GRAPHQL_MAX_BATCH', 10, integerIn(0, 100), 'an integer 0..100'),
      jit: read('GRAPHQL_JIT', true, onOff, 'on or off'),
    },
    groups: {
      defaultAggregation: read(
        'GROUP_AGGREGATION',
        'average' as const,
        oneOf(['average', 'least_misery'] as const),
        'average or least_misery',
      ),
      maxMembers: read('GROUP_MAX_MEMBERS', 50, integerIn(2, 1000), 'an integer 2..1000'),
      inviteThrottle: read(
        'GROUP_INVITE_THROTTLE',
        { max: 20, windowSeconds: 3600 },
        parseRate,
        'COUNT/DURATION such as 20/1h',
      ),
    },
    reco: {
      training: read('RECO_TRAINING', true, onOff, 'on or off'),
      retrainIntervalSeconds: read('RECO_RETRAIN_INTERVAL', 3600, atLeast(1), 'a duration such as 1h'),
      retrainMinFeedback: read(
        'RECO_RETRAIN_MIN_FEEDBACK',
        1000,
        integerIn(1, 1_000_000_000),
        'an integer ≥ 1',
      ),
      checkIntervalSeconds: read('RECO_CHECK_INTERVAL', 30, atLeast(1), 'a duration such as 30s'),
      easeLambda: read('RECO_EASE_LAMBDA', 450, integerIn(1, 1_000_000), 'an integer 1..1000000'),
      easeMaxItems: read('RECO_EASE_MAX_ITEMS', 3000, integerIn(0, 10_000), 'an integer 0..10000'),
    },
  };
  if (config.s3 && config.s3.bucket === '') problems.push('S3_BUCKET must not be empty');
  if (config.cookieSessionMaxAgeSeconds > sessionMaxAgeSeconds) {
    problems.push('SESSION_COOKIE_MAX_AGE must not be longer than SESSION_MAX_AGE');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function readS3(env: Env): S3Config | undefined {
  const value = (name: string) => env[name]?.trim() || undefined;
  const bucket = value('S3_BUCKET');
  if (!bucket) return undefined;
  return {
    endpoint: value('S3_ENDPOINT'),
    bucket,
    region: value('S3_REGION') ?? 'us-east-1',
    accessKeyId: value('S3_ACCESS_KEY_ID'),
    secretAccessKey: value('S3_SECRET_ACCESS_KEY'),
  };
}

function atLeast(min: number) {
  return (raw: string): number | undefined => {
    const seconds = parseDuration(raw);
    return seconds !== undefined && seconds >= min ? seconds : undefined;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T | undefined => values.find((v) => v === raw.toLowerCase());
}

function integerIn(min: number, max: number) {
  return (raw: string): number | undefined => {
    const value = Number(raw);
    return /^\d+$/.test(raw) && value >= min && value <= max ? value : undefined;
  };
}

const atMost = (max: number, value: number | undefined) =>
  value !== undefined && value <= max ? value : undefined;

function onOff(raw: string): boolean | undefined {
  const value = raw.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  return undefined;
}

function parseUrl(raw: string, protocols: readonly string[]): string | undefined {
  try {
    return protocols.includes(new URL(raw).protocol) ? raw : undefined;
  } catch {
    return undefined;
  }
}

const url = (raw: string) => parseUrl(raw, ['http:', 'https:']);
const postgresUrl = (raw: string) => parseUrl(raw, ['postgres:', 'postgresql:']);
const redisUrl = (raw: string) => parseUrl(raw, ['redis:', 'rediss:']);
const smtpUrl = (raw: string) => parseUrl(raw, ['smtp:', 'smtps:']);

function origins(raw: string): string[] | undefined {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.every((o) => o === '*' || url(o) !== undefined)
    ? list.map((o) => o.replace(/\/+$/, ''))
    : undefined;
}

function key32(raw: string): Buffer | undefined {
  const bytes = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

function oidcProviders(raw: string): OidcProviderConfig[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const names = new Set<string>();
  for (const p of value as Record<string, unknown>[]) {
    const ok =
      typeof p === 'object' &&
      p !== null &&
      typeof p.name === 'string' &&
      /^[a-z0-9][a-z0-9_-]{0,31}$/.test(p.name) &&
      typeof p.issuer === 'string' &&
      url(p.issuer) !== undefined &&
      typeof p.client_id === 'string' &&
      typeof p.client_secret === 'string' &&
      (p.scopes === undefined || (Array.isArray(p.scopes) && p.scopes.every((s) => typeof s === 'string')));
    if (!ok || names.has(p.name as string)) return undefined;
    names.add(p.name as string);
  }
  return value as OidcProviderConfig[];
}

function trustProxy(raw: string): boolean | number | string | undefined {
  if (raw === 'off') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const parts = raw.split(',').map((p) => p.trim());
  const address = /^(loopback|linklocal|uniquelocal|[0-9a-f.:]+(\/\d{1,3})?)$/i;
  return parts.every((p) => address.test(p)) ? parts.join(',') : undefined;
}
