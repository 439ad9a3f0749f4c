import type { Database } from '../../core/db/database.ts';
import type { CertificateAuthority } from './ca.authority.ts';
import { encodeCrl, RevokedEntryCache, type RevokedEntry } from './crl.ts';

export interface PublishedCrl {
  readonly der: Buffer;
  readonly etag: string;
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

interface Cached extends PublishedCrl {
  readonly issuerId: string;
  readonly revision: number;
  readonly refreshAt: number;
}

/**
 * Serves the active issuer's CRL from memory and regenerates it lazily: when the issuer's revision (bumped in
 * the transaction of every hold, release and revocation, by any instance) has moved, or halfway to
 * nextUpdate. Concurrent requests share one regeneration, and a burst of revocations between two requests
 * costs one, so the CRL never lags a committed change yet is not rebuilt per revocation.
 */
export class CrlPublisher {
  private cached: Cached | undefined;
  private building: Promise<Cached> | undefined;
  private readonly database: Database;
  private readonly authority: () => CertificateAuthority;
  private readonly validitySeconds: number;

  constructor(database: Database, authority: () => CertificateAuthority, validitySeconds: number) {
    this.database = database;
    this.authority = authority;
    this.validitySeconds = validitySeconds;
  }

  async current(): Promise<PublishedCrl> {
    const issuerId = this.authority().issuer.id;
    const [state] = await this.database.query<{ revision: number }>(
      'select revision from certificate_authorities where id = $1',
      [issuerId],
    );
    const revision = Number(state?.revision ?? 0);
    const cached = this.cached;
    if (
      cached &&
      cached.issuerId === issuerId &&
      cached.revision >= revision &&
      Date.now() < cached.refreshAt
    )
      return cached;
    const built = await this.shared();
    // A rebuild already in flight may have read an older revision: then one more, never a stale CRL.
    return built.revision >= revision ? built : this.shared();
  }

  private shared(): Promise<Cached> {
    this.building ??= this.build().finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /** Forgets the cached CRL (a status change in this process; other instances see the revision move). */
  invalidate(): void {
    this.cached = undefined;
  }

  /**
   * Every revoked or held certificate of the issuer. At 100,000 rows the driver's per-row objects cost as
   * much as the scan: on PostgreSQL the rows come as arrays (`rowMode: 'array'`), the time as whole seconds.
   */
  private entryCache = new RevokedEntryCache();
  private entryCacheIssuer: string | undefined;

  private async revokedOf(issuerId: string): Promise<RevokedEntry[]> {
    const text = `select serial, floor(extract(epoch from revoked_at))::float8, revocation_reason
                    from certificates where issuer_id = $1 and status in ('revoked', 'on_hold')`;
    const { pool } = this.database;
    const rows = pool
      ? (await pool.query<[string, number, string | null]>({ text, values: [issuerId], rowMode: 'array' }))
          .rows
      : (
          await this.database.query<{ serial: string; floor: number; revocation_reason: string | null }>(
            text,
            [issuerId],
          )
        ).map((r) => [r.serial, r.floor, r.revocation_reason] as const);
    const entries: RevokedEntry[] = new Array<RevokedEntry>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [serial, revokedAt, reason] = rows[i]!;
      entries[i] = { serial, revokedAt: Number(revokedAt), reason };
    }
    return entries;
  }

  private async build(): Promise<Cached> {
    const issuer = this.authority().issuer;
    // The number first, the entries second: a change committed in between is in the CRL and moves the
    // revision past the one read here, so the next request rebuilds — never the other way round.
    const [state] = await this.database.query<{ crl_number: number; revision: number }>(
      'update certificate_authorities set crl_number = crl_number + 1 where id = $1 returning crl_number, revision',
      [issuer.id],
    );
    const entries = await this.revokedOf(issuer.id);
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.validitySeconds * 1000);
    const number = Number(state!.crl_number);
    // Entries are cached per issuer: a new issuer (an import) starts afresh.
    if (this.entryCacheIssuer !== issuer.id) {
      this.entryCache = new RevokedEntryCache();
      this.entryCacheIssuer = issuer.id;
    }
    const der = encodeCrl(issuer, entries, { number, thisUpdate, nextUpdate }, this.entryCache);
    const cached: Cached = {
      der,
      etag: `"crl-${issuer.id.slice(-12)}-${number}"`,
      number,
      thisUpdate,
      nextUpdate,
      issuerId: issuer.id,
      revision: Number(state!.revision),
      refreshAt: thisUpdate.getTime() + (this.validitySeconds * 1000) / 2,
    };
    this.cached = cached;
    return cached;
  }
}
