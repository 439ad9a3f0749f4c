// Helpers for the end-to-end tests: real `bulwark` processes, bounded waits, loopback HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The project's own Node 24 (system node may be older and cannot run the .ts sources). */
export const NODE = path.join(ROOT, 'node_modules/.bin/node');
export const MAIN = path.join(ROOT, 'src/cli/main.ts');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Proc {
  readonly child: ChildProcess;
  /** Everything written so far. */
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<Exit>;
}

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Starts `node <args>` in the repository with only PATH from this environment plus `env`. */
export function start(args: readonly string[], env: Record<string, string> = {}): Proc {
  const child = spawn(NODE, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so cleanup also reaches cluster workers.
    detached: true,
  });
  children.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, output, exited };
}

/** Runs `node <args>` to completion (killed after `timeoutMs`). */
export async function run(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = start(args, env);
  const exit = await waitForExit(proc, timeoutMs);
  return { ...exit, ...proc.output };
}

/** `bulwark <args>` from the sources. */
export const bulwark = (args: readonly string[], env: Record<string, string> = {}, timeoutMs?: number) =>
  run([MAIN, ...args], env, timeoutMs);

/** Waits for the process to exit; kills it and throws if it takes longer than `timeoutMs`. */
export async function waitForExit(proc: Proc, timeoutMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killGroup(proc.child);
      reject(new Error(`process did not exit within ${timeoutMs} ms\n${dump(proc)}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([proc.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the process's stdout matches `pattern`; throws if it exits first or after `timeoutMs`. */
export async function waitForStdout(
  proc: Proc,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  let exited: Exit | undefined;
  void proc.exited.then((exit) => (exited = exit));
  for (;;) {
    const match = pattern.exec(proc.output.stdout);
    if (match) return match;
    if (exited)
      throw new Error(`process exited (${JSON.stringify(exited)}) before printing ${pattern}\n${dump(proc)}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms\n${dump(proc)}`);
    await sleep(25);
  }
}

/** Waits for the first http:// URL on stdout; returns it with the host as 127.0.0.1. */
export async function waitForUrl(proc: Proc, timeoutMs = 60_000): Promise<string> {
  const [, port] = await waitForStdout(proc, /http:\/\/(?:127\.0\.0\.1|localhost):(\d+)/, timeoutMs);
  return `http://127.0.0.1:${port}`;
}

/** SIGKILLs every process these helpers started that is still running (call in afterAll). */
export function killAll(): void {
  for (const child of children) killGroup(child);
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export function dump(proc: Proc): string {
  return `--- stdout ---\n${proc.output.stdout}\n--- stderr ---\n${proc.output.stderr}`;
}

/** A fresh temporary directory, removed by `removeTempDirs`. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-e2e-'));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export interface Response {
  readonly status: number;
  readonly body: string;
  json(): any;
}

/** One GET; `agent: false` (the default) means a new connection that is closed afterwards. */
export function get(url: string, options: { agent?: http.Agent | false; timeoutMs?: number } = {}) {
  return new Promise<Response>((resolve, reject) => {
    const request = http.get(url, { agent: options.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) }));
      res.on('error', reject);
    });
    request.setTimeout(options.timeoutMs ?? 10_000, () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** Polls `url` until it answers `status` (any status when omitted); bounded by `timeoutMs`. */
export async function waitForStatus(url: string, status?: number, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const res = await get(url, { timeoutMs: 2000 });
      if (status === undefined || res.status === status) return res;
      last = `${res.status} ${res.body}`;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status ?? ''} in time (${last})`);
    await sleep(100);
  }
}

/** A port that was free a moment ago on 127.0.0.1 (for cluster mode, where PORT=0 differs per worker). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
