// CRL regeneration with 100,000 revoked certificates on PostgreSQL: `node bench/ca/crl-100k.ts`.
// Needs a migrated database with one account (BENCH_DATABASE_URL, default bulwark_ca_bench, as left by
// `npm run bench` with that override). Creates a fresh CA there (ca init --force), inserts 100,000 revoked
// rows, then times three regenerations (each reads every revoked row, encodes, signs) and prints the median.
import { randomBytes } from 'node:crypto';
import { connectDatabase } from '../../src/core/db/database.ts';
import { DomainEventHooks } from '../../src/core/events.ts';
import { initCa } from '../../src/modules/certificates/ca.init.ts';
import { loadAuthority } from '../../src/modules/certificates/ca.authority.ts';
import { CrlPublisher } from '../../src/modules/certificates/crl.publisher.ts';

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bulwark_ca_bench';
const masterKey = randomBytes(32);
const database = await connectDatabase({ url, poolSize: 2 });
// The bench run's CA was sealed under that run's random master key: start over with a known one.
await database.query('delete from certificates');
await database.query('delete from certificate_authorities');
await initCa(database, { current: masterKey }, new DomainEventHooks(), { force: true });
const authority = await loadAuthority(database.db, { current: masterKey });
if (!authority) throw new Error('no CA in that database');
const [owner] = await database.query<{ id: string }>('select id from accounts limit 1');
await database.query(
  `insert into certificates (id, owner_id, issuer_id, serial, common_name, subject, sans, key_algorithm, profile,
     status, revocation_reason, revoked_at, not_before, not_after, fingerprint_sha256, certificate_pem)
   select gen_random_uuid(), $1, $2, 'be' || lpad(to_hex(i), 30, '0'), 'crl.bench', '{}', '{}', 'ec-p256',
     'tls-server', 'revoked', (array['keyCompromise','superseded','cessationOfOperation'])[1 + i % 3],
     now() - (i || ' seconds')::interval, now(), now() + interval '90 days', '', ''
   from generate_series(1, 100000) as i
   on conflict do nothing`,
  [owner!.id, authority.issuer.id],
);
const publisher = new CrlPublisher(database, () => authority, 86_400);
const times: number[] = [];
for (let i = 0; i < 3; i++) {
  publisher.invalidate();
  await database.query('update certificate_authorities set revision = revision + 1 where id = $1', [
    authority.issuer.id,
  ]);
  const started = performance.now();
  const crl = await publisher.current();
  times.push(performance.now() - started);
  if (i === 0) console.error(`CRL #${crl.number}: ${crl.der.length} bytes`);
}
times.sort((a, b) => a - b);
console.log(
  `CRL regeneration, ${100_000}+ revoked: median ${times[1]!.toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(', ')} ms)`,
);
await database.close();
