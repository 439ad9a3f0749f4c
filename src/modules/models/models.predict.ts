import type { FieldError } from '../../core/errors/app-error.ts';
import { validationFailed } from '../../core/errors/app-error.ts';
import type { Principal } from '../auth/index.ts';
import type { Outputs } from './models.batcher.ts';
import type { ModelsDeps } from './models.service.ts';
import { refOf, resolveVersion } from './models.service.ts';
import type { ModelAccess } from './models.access.ts';
import { fromNested, type Prepared } from './models.tensors.ts';
import type { ModelSignature } from '../../db/schema/models.ts';
import type { ModelRow, VersionRow } from './models.repository.ts';

export interface PredictDeps extends ModelsDeps {
  readonly access: ModelAccess;
}

/** Checks `{<input name>: nested arrays}` against the signature: every problem, each naming its input. */
export function prepareNested(
  signature: ModelSignature,
  inputs: Record<string, unknown>,
  pointer: string,
): Record<string, Prepared> {
  const errors: FieldError[] = [];
  const feeds: Record<string, Prepared> = {};
  for (const spec of signature.inputs) {
    const value = inputs[spec.name];
    if (value === undefined) {
      errors.push({ path: `${pointer}/${spec.name}`, message: `input ${spec.name} is missing` });
      continue;
    }
    const prepared = fromNested(value, spec);
    if (typeof prepared === 'string')
      errors.push({ path: `${pointer}/${spec.name}`, message: `input ${spec.name} ${prepared}` });
    else feeds[spec.name] = prepared;
  }
  for (const name of Object.keys(inputs)) {
    if (!signature.inputs.some((s) => s.name === name))
      errors.push({ path: `${pointer}/${name}`, message: `the model has no input ${name}` });
  }
  const rows = new Set(Object.values(feeds).map((f) => f.dims[0]));
  if (errors.length === 0 && rows.size > 1)
    errors.push({ path: pointer, message: 'the inputs do not have the same number of rows' });
  if (errors.length > 0) throw validationFailed(errors, 'The inputs do not fit the model’s signature.');
  return feeds;
}

/** Resolves the version, checks the caller's key, and runs validated inputs through the version's batcher. */
export async function predict(
  deps: PredictDeps,
  principal: Principal,
  name: string,
  version: number | undefined,
  prepare: (signature: ModelSignature) => Record<string, Prepared>,
  timeoutMs?: number,
): Promise<{ model: ModelRow; version: VersionRow; outputs: Outputs }> {
  await deps.access.check(principal, name);
  const resolved = await resolveVersion(deps, name, version);
  const feeds = prepare(resolved.version.signature);
  const outputs = await deps.runtime
    .batcher(refOf(resolved.model, resolved.version))
    .submit(feeds, timeoutMs);
  return { ...resolved, outputs };
}
