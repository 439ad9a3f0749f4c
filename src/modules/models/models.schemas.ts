import { Type } from 'typebox';
import { SafeString } from '../../core/http/schemas.ts';
import { MODEL_NAME } from './models.service.ts';

const Name = Type.String({
  pattern: MODEL_NAME,
  maxLength: 63,
  examples: ['iris'],
  description: 'A model name',
});
const VersionNumber = Type.Integer({ minimum: 1, maximum: 999_999_999 });

export const NameParam = Type.Object({ name: Name });
export const NameVersionParam = Type.Object({ name: Name, version: VersionNumber });
export const VersionQuery = Type.Object({
  version: Type.Optional(VersionNumber),
  timeout_ms: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 600_000,
      description: 'This request’s deadline (at most MODEL_TIMEOUT_MS)',
    }),
  ),
});

export const TensorSpec = Type.Object(
  {
    name: Type.String(),
    type: Type.String({
      description: 'onnxruntime element type: float32, float64, int32, int64, bool, string, …',
    }),
    shape: Type.Array(Type.Union([Type.Integer(), Type.String()]), {
      description: 'Sizes; a name or -1 is a dynamic dimension',
    }),
  },
  { $id: 'TensorSpec' },
);

export const ModelVersion = Type.Object(
  {
    name: Name,
    version: Type.Integer(),
    description: Type.Union([Type.String(), Type.Null()]),
    size_bytes: Type.Integer(),
    sha256: Type.String(),
    inputs: Type.Array(Type.Ref('TensorSpec')),
    outputs: Type.Array(Type.Ref('TensorSpec')),
    batching: Type.Boolean({ description: 'False when an input or output has no dynamic first dimension' }),
    max_batch_size: Type.Integer(),
    max_delay_ms: Type.Integer(),
    max_queue: Type.Integer({ description: 'Rows that may wait in this version\u2019s queue before 503' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'ModelVersion', description: 'One uploaded ONNX file of a model' },
);

export const Model = Type.Object(
  {
    name: Name,
    owner_id: Type.String({ format: 'uuid' }),
    description: Type.Union([Type.String(), Type.Null()]),
    aliases: Type.Object({ production: Type.Union([Type.Integer(), Type.Null()]) }),
    latest_version: Type.Union([Type.Integer(), Type.Null()]),
    versions: Type.Array(Type.Ref('ModelVersion')),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Model' },
);

export const ModelList = Type.Object(
  { items: Type.Array(Type.Ref('Model')), next_cursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'ModelList' },
);

export const PredictBody = Type.Object(
  {
    inputs: Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), {
      maxProperties: 64,
      description: 'One nested array per model input',
    }),
  },
  { additionalProperties: false },
);

export const PredictResponse = Type.Object({
  model: Name,
  version: Type.Integer(),
  outputs: Type.Record(Type.String(), Type.Unknown()),
});

export const AliasBody = Type.Object({ version: VersionNumber }, { additionalProperties: false });
export const AliasParam = Type.Object({ name: Name, alias: SafeString({ maxLength: 32 }) });

export const PatchVersionBody = Type.Object(
  {
    max_batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    max_delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    max_queue: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
