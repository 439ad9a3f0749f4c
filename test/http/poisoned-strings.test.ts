// Every route, found in the OpenAPI document (so routes that later modules add are covered without a new
// test): a request that passes validation, then one client string at a time poisoned with a NUL, a lone
// surrogate or 100 KB of multibyte text. Never a 5xx (PostgreSQL refuses NUL in text: a 500 before), and a
// NUL is a 4xx naming the field. Also: every string a client sends is bounded.
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { register, signUp, uniqueEmail, type TestUser } from '../helpers/auth.ts';
import {
  collectOperations,
  deref,
  poisonedAt,
  sampleValue,
  stringLeaves,
  type JsonSchema,
  type OpenApiDocument,
  type Operation,
} from './openapi-samples.ts';

let t: TestApp;
let admin: TestUser;
let targetId: string;
let document: OpenApiDocument;
let operations: Operation[];

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  admin = await signUp(t, { admin: true });
  // Path ids point at this account, so the control requests never change the admin's own account.
  targetId = await register(t, uniqueEmail('target'));
  document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  operations = collectOperations(document);
});
afterAll(() => t?.close());

const POISONS = [
  ['NUL', (valid: string) => `${valid.slice(0, 1)}\u0000${valid.slice(1)}`],
  ['a lone surrogate', (valid: string) => `${valid.slice(0, 1)}\uD800${valid.slice(1)}`],
  ['100 KB of multibyte text', () => '€😀ß'.repeat(100_000 / 9)],
] as const;

type Part = 'body' | 'path' | 'query';

interface Request {
  readonly operation: Operation;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly body: unknown;
}

// A lone surrogate has no UTF-8 form: in a URL it goes as the bytes a careless encoder would send.
const percentEncode = (value: string) =>
  value
    .split(/([\uD800-\uDFFF])/u)
    .map((piece) => (/^[\uD800-\uDFFF]$/u.test(piece) ? '%ED%A0%80' : encodeURIComponent(piece)))
    .join('');

function inject(request: Request) {
  const { operation, params, query, body } = request;
  const path = operation.path.replace(/\{(\w+|\*)\}/g, (_, name: string) => percentEncode(params[name]!));
  const search = Object.entries(query).map(([k, v]) => `${k}=${percentEncode(v)}`);
  return t.app.inject({
    method: operation.method.toUpperCase() as 'GET',
    url: search.length > 0 ? `${path}?${search.join('&')}` : path,
    headers: admin.headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

const withExample = <S extends { examples?: unknown[] }>(schema: S, example: unknown): S =>
  example === undefined || schema.examples ? schema : { ...schema, examples: [example] };

/** A request to the operation that passes validation (checked against the document's own schemas). */
function validRequest(operation: Operation): Request {
  const params: Record<string, string> = {};
  const query: Record<string, string> = {};
  for (const parameter of operation.parameters) {
    // @fastify/swagger moves a parameter schema's `examples` to the parameter's `example`.
    const schema = withExample(deref(document, parameter.schema), parameter.example);
    const value =
      parameter.in === 'path' && schema.format === 'uuid'
        ? targetId
        : String(sampleValue(document, schema, parameter.name));
    if (parameter.in === 'path') params[parameter.name] = value;
    else if (parameter.in === 'query' && parameter.required) query[parameter.name] = value;
  }
  const body = operation.body ? sampleValue(document, operation.body, 'body') : undefined;
  if (operation.body) {
    const check = Compile(deref(document, operation.body, true) as never);
    expect(check.Check(body), `${operation.id}: the generated body ${JSON.stringify(body)}`).toBe(true);
  }
  return { operation, params, query, body };
}

/** Every client string of a request, as [part, JSON pointer within the part, a poisoned request]. */
function poisonings(request: Request, poison: (valid: string) => string) {
  const cases: [Part, string, Request][] = [];
  for (const parameter of request.operation.parameters) {
    const schema = withExample(deref(document, parameter.schema), parameter.example);
    if (schema.type !== 'string' || (parameter.in !== 'path' && parameter.in !== 'query')) continue;
    const part = parameter.in;
    const values = part === 'path' ? request.params : request.query;
    const valid = values[parameter.name] ?? String(sampleValue(document, schema, parameter.name));
    const poisoned = { ...values, [parameter.name]: poison(valid) };
    cases.push([
      part,
      `/${parameter.name}`,
      { ...request, ...(part === 'path' ? { params: poisoned } : { query: poisoned }) },
    ]);
  }
  for (const [pointer, valid] of stringLeaves(request.body)) {
    cases.push(['body', pointer, { ...request, body: poisonedAt(request.body, pointer, poison(valid)) }]);
  }
  return cases;
}

/** The token endpoint answers RFC 6749 errors, not problems: told apart by the document. */
const answersOAuthErrors = (operation: Operation) =>
  operation.responses['400']?.content?.['application/json']?.schema?.$ref ===
  '#/components/schemas/OAuthError';
/** A protocol endpoint with its own 400 body (OCSP's malformedRequest): a 4xx in its format is enough. */
const answersOwnErrors = (operation: Operation) => {
  const content = operation.responses['400']?.content;
  return content !== undefined && !Object.values(content).some((m) => m.schema?.$ref?.endsWith('/Problem'));
};

// Formats whose every valid value has a fixed shape and length: bounded without `maxLength`.
const FIXED_FORMATS = new Set(['uuid', 'date', 'date-time']);

describe('poisoned strings never reach the database', () => {
  it('finds the routes in the OpenAPI document, those with a JSON body among them', () => {
    const withBody = operations.filter((o) => o.body).map((o) => o.id);
    expect(withBody).toEqual(
      expect.arrayContaining(['POST /v1/auth/register', 'POST /v1/auth/token', 'PATCH /v1/accounts/{id}']),
    );
    expect(withBody.length).toBeGreaterThanOrEqual(12);
  });

  it('every string a client sends is bounded (maxLength) and every array too (maxItems)', () => {
    const unbounded: string[] = [];
    const visit = (schema: JsonSchema, where: string): void => {
      const s = deref(document, schema);
      if (s.anyOf) return s.anyOf.forEach((branch, i) => visit(branch, `${where}|${i}`));
      const fixedShape = s.enum !== undefined || s.const !== undefined || FIXED_FORMATS.has(s.format ?? '');
      if (s.type === 'string' && s.maxLength === undefined && !fixedShape) unbounded.push(where);
      if (s.type === 'array') {
        if (s.maxItems === undefined) unbounded.push(`${where}[]`);
        if (s.items) visit(s.items, `${where}/items`);
      }
      for (const [name, property] of Object.entries(s.properties ?? {})) visit(property, `${where}/${name}`);
    };
    for (const operation of operations) {
      // A wildcard's rest of the path is bounded by the URL (Node refuses heads over 16 KiB).
      for (const parameter of operation.parameters.filter((p) => p.name !== '*'))
        visit(parameter.schema, `${operation.id} ${parameter.in}:${parameter.name}`);
      if (operation.body) visit(operation.body, `${operation.id} body`);
    }
    expect(unbounded, unbounded.join('\n')).toEqual([]);
  });

  it.each(POISONS)('%s in any client string: never a 5xx', async (name, poison) => {
    const seen: string[] = [];
    for (const operation of operations) {
      const request = validRequest(operation);
      for (const [part, pointer, poisoned] of poisonings(request, poison)) {
        const res = await inject(poisoned);
        const where = `${operation.id} ${part}${pointer} (${name})`;
        seen.push(where);
        expect(res.statusCode, `${where}: ${res.body}`).toBeLessThan(500);
        if (name !== 'NUL') continue;
        // A NUL is refused by validation, naming the field.
        if (part === 'body' && answersOAuthErrors(operation)) {
          expect(res.statusCode, where).toBe(400);
          expect(res.headers['content-type'], where).toMatch(/^application\/json/);
          expect(res.json(), where).toMatchObject({ error: 'invalid_request' });
          expect(res.json().error_description, where).toContain(pointer.slice(1));
          continue;
        }
        if (answersOwnErrors(operation)) {
          expect(res.statusCode, where).toBeGreaterThanOrEqual(400);
          continue;
        }
        expect(res.statusCode, `${where}: ${res.body}`).toBe(422);
        expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
        // The poisoned field is named, unless the unpoisoned request is refused too (a rule between fields
        // checked before the schema, such as `csr_pem` excluding `subject`): then any 422 will do.
        const named = (res.json().errors ?? []).some(
          (e: { path: string }) => e.path === `/${part}${pointer}`,
        );
        if (!named) expect((await inject(request)).statusCode, `${where}: ${res.body}`).toBe(422);
      }
    }
    expect(seen.length).toBeGreaterThan(40);
  });

  it.each([
    ['/v1/auth/token', 'grant_type=password&username=a%00b%40example.com&password=x', 400, 'username'],
    ['/v1/auth/login', 'username=a%00b%40example.com&password=x', 422, '/body/username'],
  ])('form bodies too: %s with a NUL in username', async (url, payload, status, named) => {
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(res.body).toContain(named);
  });

  // The generated bodies pass the schema (checked in validRequest); rules between fields, checked in code,
  // may still refuse them.
  it('control: the same requests unpoisoned never get a 5xx', async () => {
    for (const operation of operations.filter((o) => o.body)) {
      const res = await inject(validRequest(operation));
      expect(res.statusCode, `${operation.id}: ${res.body}`).toBeLessThan(500);
    }
  });
});
