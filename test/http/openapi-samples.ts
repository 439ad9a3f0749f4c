// Valid sample requests built from the OpenAPI document's schemas, for tests that walk every route.

/** The JSON Schema subset the route schemas use. */
export interface JsonSchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  examples?: unknown[];
  default?: unknown;
}

interface MediaType {
  schema?: JsonSchema;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface RawOperation {
  parameters?: { name: string; in: string; required?: boolean; example?: unknown; schema: JsonSchema }[];
  requestBody?: { content: Record<string, MediaType> };
  responses?: Record<string, { content?: Record<string, MediaType> }>;
}

export interface Operation {
  /** `POST /v1/accounts` */
  readonly id: string;
  readonly path: string;
  readonly method: string;
  readonly parameters: readonly {
    name: string;
    in: string;
    required?: boolean;
    example?: unknown;
    schema: JsonSchema;
  }[];
  /** The JSON body's schema, when the operation takes one. */
  readonly body?: JsonSchema;
  readonly responses: Record<string, { content?: Record<string, MediaType> }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document. */
export function collectOperations(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        id: `${method.toUpperCase()} ${path}`,
        path,
        method,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content['application/json']?.schema,
        responses: operation.responses ?? {},
      })),
  );
}

/** Follows a `$ref` into `components.schemas` (every nested one too when `deep`). */
export function deref(document: OpenApiDocument, schema: JsonSchema, deep = false): JsonSchema {
  let s = schema;
  while (s.$ref) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = document.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved ${s.$ref}`);
    s = target;
  }
  if (!deep) return s;
  return {
    ...s,
    ...(s.properties && {
      properties: Object.fromEntries(
        Object.entries(s.properties).map(([k, v]) => [k, deref(document, v, true)]),
      ),
    }),
    ...(s.items && { items: deref(document, s.items, true) }),
    ...(s.anyOf && { anyOf: s.anyOf.map((branch) => deref(document, branch, true)) }),
  };
}

let sequence = 0;

function sampleString(schema: JsonSchema, where: string): string {
  const formats: Record<string, () => string> = {
    email: () => `sample-${process.pid}-${++sequence}@example.com`,
    uuid: () => crypto.randomUUID(),
    date: () => '2000-01-02',
    'date-time': () => new Date(Date.now() + 86_400_000).toISOString(),
    uri: () => 'https://example.com/',
  };
  let value: string;
  if (schema.format) {
    const make = formats[schema.format];
    if (!make) throw new Error(`${where}: no sample for format ${schema.format}`);
    value = make();
  } else {
    // Long enough for a password policy, not a common password.
    value = 'Sample-Value-7x!q'.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? 64);
  }
  if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) {
    throw new Error(`${where}: give the schema \`examples\` (pattern ${schema.pattern})`);
  }
  return value;
}

/**
 * A value that passes `schema`: every property (optional ones too, so each string can be poisoned), the
 * first enum value or union branch, examples where a pattern needs one.
 */
export function sampleValue(document: OpenApiDocument, raw: JsonSchema, where: string): unknown {
  const schema = deref(document, raw);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.examples?.length) return schema.examples[0];
  if (schema.anyOf) {
    const branch = schema.anyOf.find((b) => deref(document, b).type !== 'null') ?? schema.anyOf[0]!;
    return sampleValue(document, branch, where);
  }
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [
          name,
          sampleValue(document, property, `${where}/${name}`),
        ]),
      );
    case 'array': {
      const item = schema.items ?? {};
      const count = Math.max(schema.minItems ?? 1, 1);
      return Array.from({ length: count }, (_, i) => sampleValue(document, item, `${where}/${i}`));
    }
    case 'string':
      return sampleString(schema, where);
    case 'integer':
    case 'number':
      return schema.default ?? schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case undefined:
      // Any JSON value (a tensor's elements): a number passes where anything does.
      if (Object.keys(schema).filter((k) => k !== 'description').length === 0) return 0;
      throw new Error(`${where}: no sample for ${JSON.stringify(schema)}`);
    default:
      throw new Error(`${where}: no sample for ${JSON.stringify(schema)}`);
  }
}

/** Every string in a JSON value, as [JSON pointer, string]. */
export function stringLeaves(value: unknown, pointer = ''): [string, string][] {
  if (typeof value === 'string') return [[pointer, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringLeaves(item, `${pointer}/${i}`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, `${pointer}/${key}`));
  return [];
}

/** A copy of `value` with the string at `pointer` replaced. */
export function poisonedAt(value: unknown, pointer: string, replacement: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = pointer.split('/').slice(1);
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = replacement;
  return copy;
}
