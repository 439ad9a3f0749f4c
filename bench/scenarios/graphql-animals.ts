import pg from 'pg';
import type { Scenario } from './scenario.ts';
import { sendJson } from './scenario.ts';

const QUERY = '{ animals(first: 50) { edges { node { owner { name } zoo { name } images { url } } } } }';
const BODY = JSON.stringify({ query: QUERY });

/** 1,000 animals of 20 owners in 10 zoos, seeded once (under a lock: every bare worker may try). */
async function seed(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(4242)');
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from animals');
    if (rows[0]!.n < 1000) {
      await client.query(`insert into accounts (id, email, name)
        select ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid, 'owner' || i || '@bench.test', 'Owner ' || i
        from generate_series(1, 20) i on conflict do nothing`);
      await client.query(`insert into zoos (id, name, owner_id)
        select ('00000000-0000-7000-9000-' || lpad(i::text, 12, '0'))::uuid, 'Zoo ' || i,
               ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid
        from generate_series(1, 10) i on conflict do nothing`);
      await client.query(`insert into animals (id, name, species, owner_id, zoo_id, created_at)
        select gen_random_uuid(), 'Animal ' || i, 'cat',
               ('00000000-0000-7000-8000-' || lpad((1 + i % 20)::text, 12, '0'))::uuid,
               case when i % 3 = 0 then null else ('00000000-0000-7000-9000-' || lpad((1 + i % 10)::text, 12, '0'))::uuid end,
               now() - (i || ' seconds')::interval
        from generate_series(1, 1000) i`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The 50-animal GraphQL query (each with owner, zoo and images) against a bare node:http + pg server
 * running the same four statements and building the same JSON.
 */
export const graphqlAnimals: Scenario = {
  name: 'graphql-animals',
  description:
    'POST /graphql `animals(first: 50) { edges { node { owner { name } zoo { name } images { url } } } }` over ' +
    '1,000 seeded animals. Bulwark: Yoga + Pothos + graphql-jit, graphql-armor and cost limits, per-request ' +
    'DataLoaders (4 prepared statements); bare: node:http + pg, ' +
    'the same 4 statements, the same JSON',
  goalRatio: 0.6,
  p99GoalMs: 50,
  launch: 'cli',
  workers: 2,
  request: () => ({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: BODY,
  }),
  async bare({ databaseUrl, poolSize }) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
    await seed(pool);
    return {
      handle(req, res) {
        req.resume();
        req.on('end', () => {
          void (async () => {
            const animals = (
              await pool.query<{ id: string; owner_id: string; zoo_id: string | null }>(
                'select id, owner_id, zoo_id from animals order by created_at, id limit 51',
              )
            ).rows.slice(0, 50);
            const ownerIds = [...new Set(animals.map((a) => a.owner_id))];
            const zooIds = [...new Set(animals.flatMap((a) => (a.zoo_id ? [a.zoo_id] : [])))];
            const [owners, zoos, images] = await Promise.all([
              pool.query<{ id: string; name: string }>(
                'select id, name from accounts where id = any($1) and deleted_at is null',
                [ownerIds],
              ),
              pool.query<{ id: string; name: string }>('select id, name from zoos where id = any($1)', [
                zooIds,
              ]),
              pool.query<{ id: string; animal_id: string }>(
                'select id, animal_id from images where animal_id = any($1) order by created_at, id',
                [animals.map((a) => a.id)],
              ),
            ]);
            const ownerName = new Map(owners.rows.map((o) => [o.id, o.name]));
            const zooName = new Map(zoos.rows.map((z) => [z.id, z.name]));
            const edges = animals.map((a) => ({
              node: {
                owner: { name: ownerName.get(a.owner_id) ?? null },
                zoo: a.zoo_id ? { name: zooName.get(a.zoo_id) ?? null } : null,
                images: images.rows
                  .filter((i) => i.animal_id === a.id)
                  .map((i) => ({ url: `/v1/images/${i.id}` })),
              },
            }));
            sendJson(res, 200, { data: { animals: { edges } } });
          })().catch(() => sendJson(res, 500, { error: 'internal' }));
        });
      },
      close: () => pool.end(),
    };
  },
};
