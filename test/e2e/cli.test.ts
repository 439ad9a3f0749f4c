import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import {
  MAIN,
  ROOT,
  bulwark,
  dump,
  freePort,
  get,
  killAll,
  removeTempDirs,
  run,
  start,
  tempDir,
  waitForExit,
  waitForStatus,
  waitForStdout,
  waitForUrl,
  type Proc,
} from './helpers.ts';

const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const postgres = process.env.TEST_DATABASE_URL;

afterAll(async () => {
  killAll();
  await removeTempDirs();
});

/** stderr of a failed command: one `bulwark: …` line per problem, never a stack trace. */
function problemLines(stderr: string): string[] {
  expect(stderr).not.toMatch(/^\s+at /m);
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) expect(line).toMatch(/^bulwark: /);
  return lines;
}

/** `bulwark serve` on a random loopback port; resolves once it prints its URL. */
async function serve(env: Record<string, string>, args: string[] = []): Promise<{ proc: Proc; url: string }> {
  const proc = start([MAIN, 'serve', ...args], { PORT: '0', HOST: '127.0.0.1', ...env });
  return { proc, url: await waitForUrl(proc) };
}

async function stop(proc: Proc): Promise<void> {
  proc.child.kill('SIGTERM');
  expect(await waitForExit(proc, 15_000), dump(proc)).toEqual({ code: 0, signal: null });
}

describe('bulwark command', () => {
  it('version prints the version and exits 0', async () => {
    const res = await bulwark(['version']);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(version);
    expect(res.stderr).toBe('');
  });

  it('bin/bulwark.mjs version works with Node 24', async () => {
    const res = await run([path.join(ROOT, 'bin/bulwark.mjs'), 'version']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(version);
  });

  it('an unknown command exits non-zero with the usage', async () => {
    const res = await bulwark(['frobnicate']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/^bulwark: unknown command "frobnicate"/);
    expect(res.stderr).toContain('Usage: bulwark <command>');
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });

  it('no command prints the usage and exits non-zero; help exits 0', async () => {
    const none = await bulwark([]);
    expect(none.code).not.toBe(0);
    expect(none.stdout).toContain('Usage: bulwark <command>');
    const help = await bulwark(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: bulwark <command>');
  });

  it.each(['serve', 'migrate'])(
    '%s with a bad configuration: one line per problem, exit 1',
    async (command) => {
      const res = await bulwark([command], {
        PORT: 'eighty',
        RATE_LIMIT: 'maybe',
        DATA_DIR: await tempDir(),
      });
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      const lines = problemLines(res.stderr);
      expect(lines).toHaveLength(2);
      expect(lines.find((l) => l.includes('PORT="eighty"'))).toBeDefined();
      expect(lines.find((l) => l.includes('RATE_LIMIT="maybe"'))).toBeDefined();
    },
  );

  it('NODE_ENV=production without MASTER_KEY exits 1 naming MASTER_KEY', async () => {
    const env = { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', DATA_DIR: await tempDir() };
    const res = await bulwark(['serve'], env);
    expect(res.code).toBe(1);
    expect(problemLines(res.stderr)).toEqual([expect.stringMatching(/^bulwark: MASTER_KEY is required/)]);
  });

  it('serve --workers 2 without DATABASE_URL exits 1 and says why', async () => {
    const res = await bulwark(['serve', '--workers', '2'], { PORT: '0', DATA_DIR: await tempDir() });
    expect(res.code).toBe(1);
    expect(problemLines(res.stderr)).toEqual([
      expect.stringMatching(/^bulwark: --workers > 1 needs DATABASE_URL/),
    ]);
  });

  it('migrate applies the migrations into DATA_DIR, then 0 the second time', async () => {
    const env = { DATA_DIR: await tempDir() };
    const first = await bulwark(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Applied [1-9]\d* migration\(s\)/);
    const second = await bulwark(['migrate'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/Applied 0 migration\(s\)/);
  }, 90_000);
});

describe('bulwark serve', () => {
  it('starts on an empty DATA_DIR, migrates, is ready, points at /docs, exits 0 on SIGTERM', async () => {
    const { proc, url } = await serve({ DATA_DIR: await tempDir() });
    // Fastify's own "Server listening" log line (which gave the url) may come before this one.
    await waitForStdout(proc, /Swagger UI: http:\/\/localhost:\d+\/docs/, 15_000);
    const ready = await get(`${url}/readyz`);
    expect(ready.status, ready.body).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    expect((await get(`${url}/docs`)).status).toBe(200);
    await stop(proc);
  }, 90_000);

  it('with MIGRATE_ON_START=off, /readyz is 503 until `bulwark migrate` has run', async () => {
    const env = { DATA_DIR: await tempDir(), MIGRATE_ON_START: 'off' };
    const before = await serve(env);
    const res = await get(`${before.url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', checks: { database: 'ok', migrations: 'pending' } });
    expect((await get(`${before.url}/healthz`)).status).toBe(200); // alive, just not ready
    await stop(before.proc); // PGlite belongs to one process: migrate while the server is down

    const migrate = await bulwark(['migrate'], env);
    expect(migrate.stdout).toMatch(/Applied [1-9]\d* migration\(s\)/);

    const after = await serve(env);
    expect((await get(`${after.url}/readyz`)).status).toBe(200);
    await stop(after.proc);
  }, 180_000);
});

describe.skipIf(!postgres)('bulwark with PostgreSQL (TEST_DATABASE_URL)', () => {
  it('migrate applies the migrations to DATABASE_URL, then 0 the second time', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const env = { DATABASE_URL: db.url, DATA_DIR: await tempDir() };
      const first = await bulwark(['migrate'], env);
      expect(first.stdout, first.stderr).toMatch(/Applied [1-9]\d* migration\(s\)/);
      const second = await bulwark(['migrate'], env);
      expect(second.stdout, second.stderr).toMatch(/Applied 0 migration\(s\)/);
    } finally {
      await db.destroy();
    }
  }, 60_000);

  it('a running server becomes ready once another process has migrated', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const env = { DATABASE_URL: db.url, DATA_DIR: await tempDir(), MIGRATE_ON_START: 'off' };
      const { proc, url } = await serve(env);
      expect((await get(`${url}/readyz`)).json().checks.migrations).toBe('pending');
      expect((await bulwark(['migrate'], env)).code).toBe(0);
      expect((await get(`${url}/readyz`)).status).toBe(200);
      await stop(proc);
    } finally {
      await db.destroy();
    }
  }, 60_000);

  it('serve --workers 2 runs two workers on one port and exits 0 on SIGTERM to the primary', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const port = await freePort();
      const env = { DATABASE_URL: db.url, DATA_DIR: await tempDir(), PORT: String(port), HOST: '127.0.0.1' };
      const proc = start([MAIN, 'serve', '--workers', '2'], env);
      // Each worker migrates on start (an advisory lock serialises them) and logs that it listens.
      await waitForStdout(proc, /Bulwark listening[^]*Bulwark listening/, 45_000);
      const pids = new Set(
        proc.output.stdout
          .split('\n')
          .filter((line) => line.includes('Bulwark listening'))
          .map((line) => (JSON.parse(line) as { pid: number }).pid),
      );
      expect(pids.size).toBe(2);
      expect(pids.has(proc.child.pid!)).toBe(false);

      const url = `http://127.0.0.1:${port}`;
      // A new connection each time (get's default), so the primary's round robin uses both workers.
      for (let i = 0; i < 6; i++) expect((await get(`${url}/healthz`)).status).toBe(200);
      expect((await waitForStatus(`${url}/readyz`, 200)).json().status).toBe('ready');

      // /metrics answers for the whole server whichever worker takes the scrape: both workers' counts summed.
      for (let i = 0; i < 3; i++) {
        const metrics = await get(`${url}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.body).toMatch(
          /^http_requests_total\{method="GET",route="\/healthz",status_code="200"\} 6$/m,
        );
        expect(metrics.body).toMatch(
          /^http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} 6$/m,
        );
      }

      await stop(proc);
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(); // the workers are gone too
      await expect(get(`${url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await db.destroy();
    }
  }, 90_000);
});
