import type { ModelRow, VersionRow } from './models.repository.ts';

const batchable = (v: VersionRow) =>
  [...v.signature.inputs, ...v.signature.outputs].every(
    (t) => t.shape.length > 0 && (typeof t.shape[0] === 'string' || t.shape[0] === -1),
  );

export const versionView = (model: ModelRow, v: VersionRow) => ({
  name: model.name,
  version: v.version,
  description: v.description,
  size_bytes: v.sizeBytes,
  sha256: v.sha256,
  inputs: [...v.signature.inputs],
  outputs: [...v.signature.outputs],
  batching: batchable(v) && v.maxBatchSize > 1,
  max_batch_size: v.maxBatchSize,
  max_delay_ms: v.maxDelayMs,
  max_queue: v.maxQueue,
  created_at: v.createdAt.toISOString(),
});

export const modelView = (model: ModelRow, versions: readonly VersionRow[]) => ({
  name: model.name,
  owner_id: model.ownerId,
  description: model.description,
  aliases: { production: model.productionVersion },
  latest_version: versions.at(-1)?.version ?? null,
  versions: versions.map((v) => versionView(model, v)),
  created_at: model.createdAt.toISOString(),
});
