import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApi } from '../../scripts/openapi.ts';

const run = promisify(execFile);

describe('committed generated artifacts are current', () => {
  it('docs/openapi.json matches the routes (run `npm run openapi`)', async () => {
    expect(await readFile(OPENAPI_FILE, 'utf8')).toBe(await renderOpenApi());
  });

  it('src/db/migrations matches src/db/schema (run `npm run db:generate`)', async () => {
    // drizzle-kit takes `--out` relative to the working directory only.
    await mkdir('.tmp', { recursive: true });
    const out = path.relative(process.cwd(), await mkdtemp(path.join('.tmp', 'migrations-')));
    try {
      await cp('src/db/migrations', out, { recursive: true });
      const before = await readdir(out);
      const { stdout } = await run(
        'node_modules/.bin/drizzle-kit',
        ['generate', '--dialect', 'postgresql', '--schema', './src/db/schema/index.ts', '--out', out],
        { timeout: 60_000 },
      );
      expect(stdout).toContain('No schema changes');
      expect(await readdir(out), stdout).toEqual(before);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
