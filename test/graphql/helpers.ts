import type { TestApp } from '../helpers/app.ts';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

/** POST /graphql with JSON, as a client library would (the injected request never leaves the process). */
export async function gql<T = Record<string, any>>(
  t: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    payload: JSON.stringify({ query, variables }),
  });
  const body = res.body ? JSON.parse(res.body) : {};
  return { status: res.statusCode, ...body };
}

export const codes = (result: GqlResult) => (result.errors ?? []).map((e) => e.extensions?.code);

/**
 * Statements the app sends on its own, whatever the requests: the job queue (scheduled and enqueued jobs)
 * and the certificate authorities loaded at start. They share the pool, so they are left out of the count.
 */
const BACKGROUND = /\b(?:into|from|update) "?(?:jobs|certificate_authorities)"?(?:\s|$)/;

/**
 * Counts the statements the app sends to its database by wrapping the driver's `query` (PGlite's client or
 * pg's pool); the queries still run. Returns the list, emptied by `reset()`.
 */
export function countStatements(t: TestApp) {
  const client = (
    t.db.database.db as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } }
  ).$client;
  const query = client.query.bind(client);
  const seen: string[] = [];
  client.query = (...args: unknown[]) => {
    const first = args[0];
    const text = typeof first === 'string' ? first : String((first as { text?: string }).text);
    if (!BACKGROUND.test(text)) seen.push(text);
    return query(...args);
  };
  return { seen, reset: () => void seen.splice(0) };
}
