import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestApp } from '../helpers/app.ts';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'models');

export type FixtureName = 'linear' | 'mlp' | 'iris-tree' | 'fixed' | 'zipmap';

/** The bytes of a committed ONNX fixture (made by scripts/make-models.py). */
export const fixture = (name: FixtureName): Buffer => readFileSync(path.join(DIR, `${name}.onnx`));

interface Expected {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}
/** What numpy or scikit-learn computed for each fixture. */
export const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<
  Exclude<FixtureName, 'zipmap'>,
  Expected
>;

/** A multipart/form-data body with text fields and an optional file. */
export function multipartBody(
  fields: Record<string, string>,
  file?: { field?: string; bytes: Buffer; filename?: string },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----bulwark${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename ?? 'model.onnx'}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** Uploads a fixture as `name`; returns the response. */
export async function upload(
  t: TestApp,
  headers: Record<string, string>,
  name: string,
  bytes: Buffer,
  fields: Record<string, string> = {},
) {
  const body = multipartBody({ name, ...fields }, { bytes });
  return t.app.inject({
    method: 'POST',
    url: '/v1/models',
    headers: { ...headers, ...body.headers },
    payload: body.payload,
  });
}

/** The largest absolute difference between two nested numeric arrays of the same shape. */
export function maxDiff(a: unknown, b: unknown): number {
  const x = [a].flat(Infinity) as number[];
  const y = [b].flat(Infinity) as number[];
  if (x.length !== y.length) return Infinity;
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - (y[i] as number))), 0);
}
