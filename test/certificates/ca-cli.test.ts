// `bulwark ca init`, `bulwark ca import` (an openssl-made root and intermediate, the key passphrase-protected)
// and `bulwark keys rotate-master`: CA keys sealed under the master key, rewrapped without losing a key.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.ts';
import type { Database } from '../../src/core/db/database.ts';
import { certificateAuthorities } from '../../src/db/schema/index.ts';
import { caCommand, rotateMaster } from '../../src/cli/ca.ts';
import { loadAuthority } from '../../src/modules/certificates/ca.authority.ts';
import { openDatabase } from '../../src/server.ts';
import { run } from './setup.ts';

let dir: string;
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const env = () => ({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir, MASTER_KEY: k1 });
const lines: string[] = [];
const out = (line: string) => lines.push(line);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-ca-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function withDb<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig(env()));
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

describe('bulwark ca', () => {
  it('init creates a CA once; its private keys are stored sealed, never as PEM', async () => {
    expect(await caCommand(['init'], out, env())).toBe(0);
    expect(lines.at(-1)).toContain('Created a root');
    expect(await caCommand(['init'], out, env())).toBe(0);
    expect(lines.at(-1)).toContain('nothing changed');
    const rows = await withDb((d) => d.db.select().from(certificateAuthorities));
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain('PRIVATE KEY');
    expect(
      rows.every((r) => r.privateKeySealed?.startsWith('v1:') && r.dataKeyWrapped?.startsWith('v1:')),
    ).toBe(true);
  });

  it('import takes an openssl root and intermediate with an encrypted PKCS#8 key; it becomes the issuer', async () => {
    const f = (name: string) => path.join(dir, name);
    await writeFile(
      f('ext.cnf'),
      '[ca]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n',
    );
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-384',
      '-nodes',
      '-keyout',
      f('root.key'),
      '-out',
      f('root.pem'),
      '-subj',
      '/CN=Imported Root',
      '-days',
      '3650',
    ]);
    await run('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f('int.plain.key'),
      '-out',
      f('int.csr'),
      '-subj',
      '/CN=Imported Issuing',
    ]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      f('int.csr'),
      '-CA',
      f('root.pem'),
      '-CAkey',
      f('root.key'),
      '-CAcreateserial',
      '-out',
      f('int.pem'),
      '-days',
      '1000',
      '-extfile',
      f('ext.cnf'),
      '-extensions',
      'ca',
    ]);
    await writeFile(f('pass.txt'), 'import passphrase\n');
    await run('openssl', [
      'pkcs8',
      '-topk8',
      '-in',
      f('int.plain.key'),
      '-out',
      f('int.key'),
      '-v2',
      'aes-256-cbc',
      '-passout',
      `file:${f('pass.txt')}`,
    ]);

    const wrong = caCommand(
      ['import', '--root', f('root.pem'), '--cert', f('int.pem'), '--key', f('root.key')],
      out,
      env(),
    );
    await expect(wrong).rejects.toThrow(/does not match/);
    expect(
      await caCommand(
        [
          'import',
          '--root',
          f('root.pem'),
          '--cert',
          f('int.pem'),
          '--key',
          f('int.key'),
          '--passphrase-file',
          f('pass.txt'),
        ],
        out,
        env(),
      ),
    ).toBe(0);
    const authority = await withDb((d) => loadAuthority(d.db, { current: Buffer.from(k1, 'base64') }));
    expect(authority!.issuer.x509.subject).toContain('Imported Issuing');
    expect(authority!.issuers.size).toBe(2);
  });

  it('keys rotate-master rewraps every data key; the old key alone no longer opens them', async () => {
    const rotated = { ...env(), MASTER_KEY: k2, MASTER_KEY_PREVIOUS: k1 };
    expect(await rotateMaster(out, rotated)).toBe(0);
    expect(lines.at(-1)).toMatch(/Rewrapped 3 CA data key/);
    const withNew = await withDb((d) => loadAuthority(d.db, { current: Buffer.from(k2, 'base64') }));
    expect(withNew!.issuers.size).toBe(2);
    await expect(withDb((d) => loadAuthority(d.db, { current: Buffer.from(k1, 'base64') }))).rejects.toThrow(
      /master key/,
    );
    expect(await rotateMaster(out, rotated)).toBe(0);
    expect(lines.at(-1)).toMatch(/Rewrapped 0 CA data key/);
  });
});
