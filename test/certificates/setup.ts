import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import type { TestUser } from '../helpers/auth.ts';

export const run = promisify(execFile);

export const buildCaApp = (env: Record<string, string> = {}) =>
  buildTestApp({ ...QUICK_AUTH_ENV, PUBLIC_URL: 'http://ca.test:3000', ...env });

/** A scratch directory for files handed to `openssl`. */
export async function scratch(): Promise<{
  dir: string;
  file: (name: string, body: string | Buffer) => Promise<string>;
  close: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-ca-'));
  return {
    dir,
    async file(name, body) {
      const target = path.join(dir, name);
      await writeFile(target, body);
      return target;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function issue(t: TestApp, user: TestUser, payload: object) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/certificates', headers: user.headers, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export const patch = (t: TestApp, user: TestUser, id: string, payload: object) =>
  t.app.inject({ method: 'PATCH', url: `/v1/certificates/${id}`, headers: user.headers, payload });

export async function caFiles(t: TestApp, dir: Awaited<ReturnType<typeof scratch>>) {
  const root = (await t.app.inject({ url: '/v1/ca/root.pem' })).body;
  const chain = (await t.app.inject({ url: '/v1/ca/chain.pem' })).body;
  return { root: await dir.file('root.pem', root), chain: await dir.file('chain.pem', chain) };
}

/** A CSR made by `openssl req` in the scratch directory: `newkey` are the `-newkey` argument and its options. */
export async function opensslCsr(
  dir: Awaited<ReturnType<typeof scratch>>,
  name: string,
  newkey: string[],
  commonName: string,
): Promise<string> {
  const [keyout, out] = [`${dir.dir}/${name}.key`, `${dir.dir}/${name}.csr`];
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    ...newkey,
    '-nodes',
    '-keyout',
    keyout,
    '-out',
    out,
    '-subj',
    `/CN=${commonName}`,
  ]);
  return readFile(out, 'utf8');
}
