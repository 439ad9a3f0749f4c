// A migrated PGlite cluster, made once per test run and loaded by every file that asks for a fresh database:
// an empty PGlite has to run initdb (≈ 1–3 s of WASM per file on 2 cores) and then every migration, while
// loading a tarball of the finished cluster takes ≈ 0.3 s. The file is named by a hash of the migrations, so
// a changed migration makes a new one and a stale snapshot is never loaded.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_FOLDER } from '../../src/core/db/migrations.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ENV = 'BULWARK_TEST_PGLITE_SNAPSHOT';

async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else hash.update(entry.name).update(await readFile(full));
    }
  };
  await walk(MIGRATIONS_FOLDER);
  return hash.digest('hex').slice(0, 16);
}

/** Vitest global setup: makes the snapshot if this set of migrations has none, and tells the workers where. */
export default async function setup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const dir = path.join(root, '.tmp');
  const file = path.join(dir, `pglite-migrated-${await migrationsHash()}.tar`);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    // The same migrator `applyMigrations` runs on PGlite, so the snapshot records them as applied.
    const client = await PGlite.create();
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    const tarball = await client.dumpDataDir('none');
    await client.close();
    // Written aside and renamed, so a concurrent run never loads half a file.
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, Buffer.from(await tarball.arrayBuffer()));
    await rename(partial, file);
  }
  process.env[ENV] = file;
}

/** The migrated snapshot for this run, when the global setup made one. */
export async function migratedSnapshot(): Promise<Blob | undefined> {
  const file = process.env[ENV];
  if (!file || !existsSync(file)) return undefined;
  return new Blob([await readFile(file)]);
}
