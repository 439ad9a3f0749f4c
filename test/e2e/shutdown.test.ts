import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ROOT,
  dump,
  get,
  killAll,
  removeTempDirs,
  sleep,
  start,
  tempDir,
  waitForExit,
  waitForStdout,
  waitForUrl,
} from './helpers.ts';

// `bulwark serve` with an extra GET /test/slow?ms=N and the same SIGTERM/SIGINT handling.
const FIXTURE = path.join(ROOT, 'test/e2e/fixtures/slow-server.ts');

afterAll(async () => {
  killAll();
  await removeTempDirs();
});

async function startSlowServer(env: Record<string, string> = {}) {
  const proc = start([FIXTURE], {
    DATA_DIR: await tempDir(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  });
  return { proc, url: await waitForUrl(proc) };
}

/** A GET that resolves with its outcome and when it ended, never rejects. */
function timedGet(url: string, agent?: http.Agent) {
  return get(url, { agent: agent ?? false, timeoutMs: 30_000 }).then(
    (res) => ({ status: res.status, body: res.body, error: undefined, at: Date.now() }),
    (error: NodeJS.ErrnoException) => ({ status: 0, body: '', error, at: Date.now() }),
  );
}

describe('graceful shutdown of a real server process', () => {
  it('SIGTERM lets an in-flight request finish, turns new connections away, then exits 0', async () => {
    // SHUTDOWN_TIMEOUT far above the request, so reaching it (instead of draining) cannot pass for success.
    const { proc, url } = await startSlowServer({ LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT: '30s' });
    // A keep-alive client, like a load balancer: its connection must not hold the shutdown up once idle.
    const agent = new http.Agent({ keepAlive: true });
    try {
      let settled = false;
      const inFlight = timedGet(`${url}/test/slow?ms=3000`, agent).finally(() => (settled = true));
      await sleep(300);
      const sigtermAt = Date.now();
      proc.child.kill('SIGTERM');

      await waitForStdout(proc, /"shutting down"/, 5000);
      const late = await timedGet(`${url}/healthz`);
      expect(settled, 'the slow request was still in flight').toBe(false);
      expect(
        late.status === 503 || late.error?.code === 'ECONNREFUSED',
        `a new connection during shutdown got ${late.status || String(late.error)}`,
      ).toBe(true);

      const res = await inFlight;
      expect(res.error, dump(proc)).toBeUndefined();
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ slept: 3000 });
      expect(res.at - sigtermAt).toBeGreaterThan(2000); // it really was answered after SIGTERM

      const exit = await waitForExit(proc, 15_000);
      expect(exit, dump(proc)).toEqual({ code: 0, signal: null });
      // Exits once the request is done, not when SHUTDOWN_TIMEOUT or the keep-alive timeout runs out.
      expect(Date.now() - res.at).toBeLessThan(8000);
      expect(proc.output.stdout).not.toContain('shutdown timeout reached');
    } finally {
      agent.destroy();
    }
  }, 90_000);

  it('SHUTDOWN_TIMEOUT bounds the wait for a request slower than it', async () => {
    const { proc, url } = await startSlowServer({ SHUTDOWN_TIMEOUT: '2s' });
    const inFlight = timedGet(`${url}/test/slow?ms=60000`);
    await sleep(300);
    const sigtermAt = Date.now();
    proc.child.kill('SIGTERM');

    const exit = await waitForExit(proc, 20_000);
    const elapsed = Date.now() - sigtermAt;
    expect(exit, dump(proc)).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeGreaterThanOrEqual(1900); // it did wait for the request…
    expect(elapsed).toBeLessThan(2000 + 6000); // …but only about SHUTDOWN_TIMEOUT, not the 60 s it wanted
    const res = await inFlight;
    expect(res.status).toBe(0); // the connection was cut, never answered
    expect(res.error).toBeDefined();
  }, 90_000);

  it('SIGINT (Ctrl-C) shuts down the same way', async () => {
    const { proc, url } = await startSlowServer();
    expect((await get(`${url}/healthz`)).status).toBe(200);
    proc.child.kill('SIGINT');
    expect(await waitForExit(proc, 15_000), dump(proc)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
