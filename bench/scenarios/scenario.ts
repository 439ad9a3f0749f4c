import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { securityHeaders } from '../../src/core/http/security-headers.ts';

export type ServerKind = 'bulwark' | 'bare';

/** What the orchestrator seeded in the benchmark database. */
export interface Fixture {
  readonly jobId: string;
  /** An active `user` account whose password hash was made by Bulwark's `createPasswordHasher()`. */
  readonly account: {
    readonly id: string;
    readonly email: string;
    readonly password: string;
    readonly passwordHash: string;
  };
}

/** Credentials obtained from the running Bulwark (scenarios with `credentials: true`), before the bare server starts. */
export interface Credentials {
  /** From `POST /v1/auth/token` (password grant). */
  readonly accessToken: string;
  /** From `POST /v1/api-keys`, created with the access token. */
  readonly apiKey: string;
  /** One certificate issued to the account (scenarios with `certificate: true`). */
  readonly certificate?: { readonly id: string; readonly pem: string; readonly chainPem: string };
}

/** What a bare baseline server is given (the same database and pool size as Bulwark). */
export interface BareContext {
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly fixture: Fixture;
  /** The running Bulwark's base URL, e.g. to fetch its JWKS once at start-up. */
  readonly bulwarkUrl: string;
  /** `iss` and `aud` of Bulwark's access tokens in the bench configuration. */
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
}

export interface BareServer {
  readonly handle: RequestListener;
  close(): Promise<void>;
}

/** One request as autocannon sends it. */
export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface RequestInput {
  readonly fixture: Fixture;
  /** Present for scenarios with `credentials: true`. */
  readonly credentials: Credentials | undefined;
}

/** One answer, for the pre-flight comparison of the two servers. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One benchmark scenario: the same request answered by Bulwark and by a bare `node:http` server doing the
 * same work. Add a file under `bench/scenarios/` and list it in `index.ts`.
 */
export interface Scenario {
  readonly name: string;
  /** One line for RESULTS.md: what the request does on each side. */
  readonly description: string;
  /** Bulwark must reach at least this fraction of the bare server's requests/s. */
  readonly goalRatio: number;
  /** A diagnostic without a goal: only run when named in BENCH_SCENARIOS, and never fails the run. */
  readonly diagnostic?: boolean;
  /** Bulwark's p99 must stay under this many milliseconds too (optional second goal). */
  readonly p99GoalMs?: number;
  /**
   * How Bulwark runs. `start-server` (default): one process calling `startServer` with `extendBulwark`.
   * `cli`: the real command, `node src/cli/main.ts serve --workers N`; the bare server then runs as a
   * `node:cluster` of N workers too.
   */
  readonly launch?: 'start-server' | 'cli';
  /** Worker processes per server with `launch: 'cli'` (default 1; `BENCH_WORKERS` overrides). */
  readonly workers?: number;
  /** Extra environment for Bulwark (e.g. `LOGIN_THROTTLE`); the harness sets the rest (see children.ts). */
  readonly bulwarkEnv?: Readonly<Record<string, string>>;
  /** Obtain an access token and an API key from the running Bulwark before the bare server starts. */
  readonly credentials?: boolean;
  /** With `credentials`: also issue one certificate to the account (`credentials.certificate`). */
  readonly certificate?: boolean;
  /** The request autocannon sends to each server (they may differ, e.g. in the credential header). */
  request(server: ServerKind, input: RequestInput): RequestSpec;
  /** Registers what the scenario needs on Bulwark before the app is sealed (`start-server` only). */
  readonly extendBulwark?: (app: FastifyInstance) => Promise<void> | void;
  /** The baseline: a request handler for a plain `node:http` server (may start asynchronously). */
  bare(context: BareContext): BareServer | Promise<BareServer>;
  /**
   * Checks the two servers' answers before any load; returns what is wrong, or undefined. Default: both
   * 200 with deep-equal JSON bodies.
   */
  compare?(bulwark: Answer, bare: Answer): string | undefined;
  /** Anything RESULTS.md should say about this scenario's set-up (throttle settings, writes per request). */
  readonly notes?: string;
}

/** A plain GET. */
export const get = (path: string, headers?: Record<string, string>): RequestSpec =>
  headers ? { method: 'GET', path, headers } : { method: 'GET', path };

/** The headers Bulwark sends on every answer in the bench configuration (production). */
const SECURITY_HEADERS = securityHeaders({ env: 'production' });

/**
 * Writes a JSON body the way a hand-written server would, with what Bulwark sends on every answer too
 * (its security headers and a fresh `x-request-id`): both servers then put the same response on the wire,
 * and the ratio measures the work of making it, not the bytes of one side's extra headers.
 */
export function sendJson(res: Parameters<RequestListener>[1], status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'x-request-id': randomUUID(),
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
