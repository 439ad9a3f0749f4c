import type { Database } from '../../../core/db/database.ts';
import { newId } from '../../../core/ids.ts';
import type { ImportRow } from './validate.ts';

/** What one batch did: counts, and the keys of the accounts it left alone. */
export interface BatchOutcome {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Accounts Bulwark owns now (a password set here, or none at all): never overwritten. */
  readonly kept: string[];
  /** Accounts another process created while this batch ran (the insert lost the race): left alone too. */
  readonly raced: string[];
}

// One statement per batch, so a batch applies whole or not at all, and a re-run converges.
// - `input`: the batch, one array parameter per column; `unnest` reads them at twice the speed of
//   `json_to_recordset` (roles travel as "admin,user": a ragged array cannot be a parameter).
// - `existing`: the live account of each email, one index lookup per row (LATERAL: with a plain join the
//   planner, on stale statistics, hashes the whole table for every batch). An account may be overwritten
//   only while its hash is still a foreign one (never signed in here, so never rehashed) or is the very
//   hash of the line: once its password is argon2id, set or changed in Bulwark, the file no longer speaks
//   for it. An account without a password (linked identities only) is never given one either.
// - `changes` / `updated`: only rows that differ are written (the rest stay "unchanged", updated_at
//   included); a field absent from the line keeps its stored value; a new hash or new roles refuse older
//   access tokens.
// - `inserted`: the rest; ON CONFLICT DO NOTHING covers an account created meanwhile ("raced").
const UPSERT = `
with input as (
  select key, id, email, name, password_hash, string_to_array(roles, ',') as roles, created_at, email_verified,
    first_name, last_name
  from unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
    $8::boolean[], $9::text[], $10::text[])
    as t(key, id, email, name, password_hash, roles, created_at, email_verified, first_name, last_name)
),
existing as (
  select i.key, a.id,
    coalesce(a.password_hash = i.password_hash or a.password_hash !~ '^[$]argon2', false) as importable,
    (a.password_hash, a.name, a.roles, a.email_verified, a.created_at, a.first_name, a.last_name)
      is distinct from
      (i.password_hash, coalesce(i.name, a.name), coalesce(i.roles, a.roles),
       coalesce(i.email_verified, a.email_verified), coalesce(i.created_at, a.created_at),
       coalesce(i.first_name, a.first_name), coalesce(i.last_name, a.last_name)) as changed,
    a.password_hash is distinct from i.password_hash or a.roles <> coalesce(i.roles, a.roles) as revokes
  from input i cross join lateral (
    select id, password_hash, name, roles, email_verified, created_at, first_name, last_name from accounts
    where lower(email) = i.key and email is not null limit 1) a
),
changes as (
  select e.id, e.revokes, i.key, i.name, i.password_hash, i.roles, i.email_verified, i.created_at,
    i.first_name, i.last_name
  from existing e join input i on i.key = e.key
  where e.importable and e.changed
),
updated as (
  update accounts a set
    password_hash = c.password_hash,
    name = coalesce(c.name, a.name),
    first_name = coalesce(c.first_name, a.first_name),
    last_name = coalesce(c.last_name, a.last_name),
    roles = coalesce(c.roles, a.roles),
    email_verified = coalesce(c.email_verified, a.email_verified),
    created_at = coalesce(c.created_at, a.created_at),
    tokens_valid_after = case when c.revokes then now() else a.tokens_valid_after end,
    updated_at = now()
  from changes c
  -- \`= any(array(…))\` makes it an index lookup whatever the statistics say. The hash test again, on the row
  -- as it is now: a sign-in that rehashed it since the snapshot wins.
  where a.id = c.id and a.id = any(array(select id from changes))
    and (a.password_hash = c.password_hash or a.password_hash !~ '^[$]argon2')
  returning c.key
),
inserted as (
  insert into accounts (id, email, name, password_hash, roles, email_verified, created_at, first_name, last_name)
  select i.id, i.email, i.name, i.password_hash, coalesce(i.roles, '{user}'), coalesce(i.email_verified, false),
    coalesce(i.created_at, now()), i.first_name, i.last_name
  from input i
  where not exists (select 1 from existing e where e.key = i.key)
  on conflict (lower(email)) where email is not null do nothing
  returning lower(email) as key
)
select
  (select count(*) from inserted)::int as inserted,
  (select count(*) from updated)::int as updated,
  (select count(*) from existing where importable)::int as importable,
  (select coalesce(array_agg(key), '{}') from existing where not importable) as kept,
  -- NOT IN, not NOT EXISTS: the planner hashes the subquery instead of scanning it once per row.
  (select coalesce(array_agg(i.key), '{}') from input i
    where i.key not in (select key from existing) and i.key not in (select key from inserted)) as raced`;

interface UpsertResult {
  inserted: number;
  updated: number;
  importable: number;
  kept: string[];
  raced: string[];
}

/** Upserts a batch of rows with distinct keys, by email (case-insensitive), in one statement. */
export async function upsertBatch(database: Database, rows: readonly ImportRow[]): Promise<BatchOutcome> {
  const column = <T>(pick: (row: ImportRow) => T) => rows.map(pick);
  const [result] = await database.query<UpsertResult>(UPSERT, [
    column((r) => r.key),
    column(() => newId()),
    column((r) => r.email),
    column((r) => r.name),
    column((r) => r.passwordHash),
    column((r) => r.roles?.join(',') ?? null),
    column((r) => r.createdAt),
    column((r) => r.emailVerified),
    column((r) => r.firstName),
    column((r) => r.lastName),
  ]);
  if (!result) throw new Error('the import statement returned no row');
  return {
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.importable - result.updated,
    kept: result.kept,
    raced: result.raced,
  };
}
