import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, removeTempDirs, tempDir } from './helpers.ts';

const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const BIN = path.join(ROOT, 'bin/bulwark.mjs');

/** A Node older than 24 on this machine (the system one), which cannot run the TypeScript sources. */
const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
  (file) =>
    existsSync(file) && Number(execFileSync(file, ['-p', 'process.versions.node.split(".")[0]'])) < 24,
);

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `<old node> bin/bulwark.mjs <args>` from another directory; `onStdout` may signal the wrapper. */
function runOld(
  args: string[],
  env: Record<string, string> = {},
  onStdout?: (text: string, pid: number) => void,
): Promise<Result> {
  const child = spawn(systemNode!, [BIN, ...args], { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out.stdout += chunk;
    onStdout?.(out.stdout, child.pid!);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out.stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...out });
    }),
  );
}

afterAll(removeTempDirs);

describe.skipIf(!systemNode)('bin/bulwark.mjs under an older system Node', () => {
  it('runs itself again with the pinned Node: version prints and exits 0', async () => {
    const res = await runOld(['version']);
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout.trim()).toBe(version);
  });

  it('passes the arguments and the exit code through', async () => {
    const res = await runOld(['frobnicate']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^bulwark: unknown command "frobnicate"/);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });

  it('passes SIGTERM to the server, which shuts down cleanly and exits 0', { timeout: 90_000 }, async () => {
    let sent = false;
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: await tempDir(), LOG_LEVEL: 'info' };
    const res = await runOld(['serve'], env, (text, pid) => {
      // Bulwark's own line comes after its signal handlers are in place; Fastify's "Server listening" before.
      if (!sent && /Bulwark listening/.test(text)) {
        sent = true;
        process.kill(pid, 'SIGTERM');
      }
    });
    expect(sent, res.stderr).toBe(true);
    expect(res, res.stderr).toMatchObject({ code: 0, signal: null });
    expect(res.stdout).toMatch(/shutting down/);
  });
});
