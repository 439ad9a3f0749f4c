import type { Db, DbOrTx } from './db/database.ts';

/**
 * Collects one section of an account's data export: JSON values (a Date becomes RFC 3339 in UTC), never a
 * password, token or secret hash. It runs inside the export's read-only transaction, so it can only read.
 */
export type ExportCollector = (db: DbOrTx, accountId: string) => Promise<unknown>;

/** The document `GET /v1/accounts/{id}/export` returns. */
export interface ExportDocument {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: 1;
  readonly exported_at: string;
  readonly account_id: string;
  /** One entry per registered section, in registration order. */
  readonly sections: Record<string, unknown>;
}

export const EXPORT_FORMAT = 'bulwark.account-export';

// Section names become JSON keys that clients rely on: snake_case, like the rest of the API.
const SECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * The one registration point of the data export (GDPR access and portability): every module that holds
 * data about an account registers a section, and the export collects them all in one snapshot.
 * @example app.ctx.exports.register('certificates', (db, accountId) => certificatesOf(db, accountId))
 */
export class ExportRegistry {
  private readonly collectors = new Map<string, ExportCollector>();

  /** Adds a section; a second registration under the same name is a programming error. */
  register(section: string, collect: ExportCollector): void {
    if (!SECTION_NAME.test(section))
      throw new Error(`export section ${JSON.stringify(section)}: use snake_case`);
    if (this.collectors.has(section)) throw new Error(`export section ${section} is registered twice`);
    this.collectors.set(section, collect);
  }

  /** The registered section names, in the order the document lists them. */
  get sections(): string[] {
    return [...this.collectors.keys()];
  }

  /**
   * Collects every section for the account. One REPEATABLE READ, READ ONLY transaction gives all sections
   * the same snapshot, so the document is consistent while the account keeps changing (a session started
   * between two sections cannot appear in one and not the other).
   */
  async collect(db: Db, accountId: string): Promise<ExportDocument> {
    return db.transaction(
      async (tx) => {
        const sections: Record<string, unknown> = {};
        // In turn, not in parallel: a transaction is one connection.
        for (const [name, collect] of this.collectors) sections[name] = await collect(tx, accountId);
        return {
          format: EXPORT_FORMAT,
          version: 1,
          exported_at: new Date().toISOString(),
          account_id: accountId,
          sections,
        } as const;
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }
}
