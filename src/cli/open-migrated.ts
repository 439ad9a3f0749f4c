import type { Config } from '../core/config/config.ts';
import type { Database } from '../core/db/database.ts';
import { applyMigrations, migrationStatus } from '../core/db/migrations.ts';
import { openDatabase } from '../server.ts';

/**
 * The configured database for an import command, migrated first when `MIGRATE_ON_START` allows it (as the
 * server does); otherwise pending migrations stop the command before it writes anything.
 */
export async function openMigrated(config: Config): Promise<Database> {
  const database = await openDatabase(config);
  try {
    if ((await migrationStatus(database)).pending > 0) {
      if (!config.migrateOnStart)
        throw new Error('the database has pending migrations: run `bulwark migrate` first');
      await applyMigrations(database);
    }
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
