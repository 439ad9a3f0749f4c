// CRL regeneration with 100,000 revoked certificates on PostgreSQL: `node bench/ca/crl-100k.ts`.
// Needs a migrated database with one account (BENCH_DATABASE_URL, default bulwark_ca_bench, as left by
// `npm run bench` with that override). Creates a fresh CA there (ca init --force), inserts 100,000 revoked
// rows, then times a cold regeneration and five after one more revocation each (each reads every revoked
// row, encodes what is new, signs) and prints the median.
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
// The first build is cold (every entry encoded); each later one follows one more revocation, as in
// production (a status change bumps the revision), and reuses the entries encoded before.
const cold = performance.now();
const first = await publisher.current();
const coldMs = performance.now() - cold;
console.error(`CRL #${first.number}: ${first.der.length} bytes, cold build ${coldMs.toFixed(0)} ms`);
const times: number[] = [];
for (let i = 0; i < 5; i++) {
  await database.query(
    `insert into certificates (id, owner_id, issuer_id, serial, common_name, subject, sans, key_algorithm, profile,
       status, revocation_reason, revoked_at, not_before, not_after, fingerprint_sha256, certificate_pem)
     values (gen_random_uuid(), $1, $2, 'cd' || lpad(to_hex($3::int), 30, '0'), 'crl.bench', '{}', '{}', 'ec-p256',
       'tls-server', 'revoked', 'keyCompromise', now(), now(), now() + interval '90 days', '', '')`,
    [owner!.id, authority.issuer.id, i],
  );
  await database.query('update certificate_authorities set revision = revision + 1 where id = $1', [
    authority.issuer.id,
  ]);
  const started = performance.now();
  await publisher.current();
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(
  `CRL regeneration, ${100_000}+ revoked: cold ${coldMs.toFixed(0)} ms; after one more revocation median ` +
    `${times[2]!.toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(', ')} ms)`,
);
await database.close();
