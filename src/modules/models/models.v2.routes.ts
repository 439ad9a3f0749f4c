import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError, validationFailed, type FieldError } from '../../core/errors/app-error.ts';
import { problemKind } from '../../core/errors/problem.ts';
import type { ModelSignature, TensorSpec } from '../../db/schema/models.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import { predict, type PredictDeps } from './models.predict.ts';
import * as repo from './models.repository.ts';
import { resolveVersion } from './models.service.ts';
import { fromFlat, v2Datatype, type Prepared } from './models.tensors.ts';

const V2Error = Type.Object({ error: Type.String() }, { $id: 'V2Error' });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Type.Ref('V2Error')]));

const Params = Type.Object({
  name: Type.String({ maxLength: 63 }),
  version: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,8}$' })),
});

const Parameters = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), { maxProperties: 32 });
const V2Tensor = Type.Object({
  name: Type.String({ maxLength: 256 }),
  datatype: Type.String({ maxLength: 16 }),
  shape: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 16 }),
  parameters: Type.Optional(Parameters),
  data: Type.Array(Type.Unknown(), { description: 'Row-major elements, flat or nested' }),
});
const InferRequest = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 256 })),
  parameters: Type.Optional(Parameters),
  inputs: Type.Array(V2Tensor, { minItems: 1, maxItems: 64 }),
  outputs: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String({ maxLength: 256 }), parameters: Type.Optional(Parameters) }),
      {
        maxItems: 64,
      },
    ),
  ),
});
const TensorMetadata = Type.Object({
  name: Type.String(),
  datatype: Type.String(),
  shape: Type.Array(Type.Integer()),
});
const ModelMetadata = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(TensorMetadata),
  outputs: Type.Array(TensorMetadata),
});
const InferResponse = Type.Object({
  model_name: Type.String(),
  model_version: Type.String(),
  id: Type.Optional(Type.String()),
  parameters: Type.Optional(Parameters),
  outputs: Type.Array(Type.Object({ ...TensorMetadata.properties, data: Type.Array(Type.Unknown()) })),
});

const metadataOf = (t: TensorSpec) => ({
  name: t.name,
  datatype: v2Datatype(t.type),
  shape: t.shape.map((d) => (typeof d === 'number' ? d : -1)),
});

/** Checks V2 request tensors against the signature (the protocol's 400 names the tensor). */
function prepareV2(
  signature: ModelSignature,
  inputs: readonly Static<typeof V2Tensor>[],
): Record<string, Prepared> {
  const problems: FieldError[] = [];
  const feeds: Record<string, Prepared> = {};
  for (const spec of signature.inputs) {
    const tensor = inputs.find((i) => i.name === spec.name);
    if (!tensor) {
      problems.push({ path: `/body/inputs`, message: `input ${spec.name} is missing` });
      continue;
    }
    if (tensor.datatype !== v2Datatype(spec.type)) {
      problems.push({
        path: `/body/inputs`,
        message: `input ${spec.name} has datatype ${tensor.datatype}; the model expects ${v2Datatype(spec.type)}`,
      });
      continue;
    }
    const prepared = fromFlat(tensor.data, tensor.shape, spec);
    if (typeof prepared === 'string')
      problems.push({ path: '/body/inputs', message: `input ${spec.name} ${prepared}` });
    else feeds[spec.name] = prepared;
  }
  for (const tensor of inputs) {
    if (!signature.inputs.some((s) => s.name === tensor.name))
      problems.push({ path: '/body/inputs', message: `the model has no input ${tensor.name}` });
  }
  const rows = new Set(Object.values(feeds).map((f) => f.dims[0]));
  if (problems.length === 0 && rows.size > 1)
    problems.push({ path: '/body/inputs', message: 'the inputs do not have the same number of rows' });
  if (problems.length > 0) throw validationFailed(problems, problems.map((p) => p.message).join('; '));
  return feeds;
}

/**
 * The KServe / Triton V2 ("Open Inference Protocol") REST routes: server and model metadata, health and
 * readiness, and infer through the same batcher as /v1. Errors are `{"error": "..."}`, bad requests 400.
 */
export function v2Routes(deps: PredictDeps & { guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { ctx, guard, access } = deps;
    const read = guard({ scope: 'models:read' });
    const tags = ['v2'];
    app.addSchema(V2Error);

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status =
        error instanceof AppError
          ? problemKind(error.code).status
          : error.validation
            ? 400
            : (error.statusCode ?? 500);
      const headers = error instanceof AppError ? error.headers : {};
      // The protocol answers invalid requests with 400 where /v1 says 422.
      const code = status === 422 ? 400 : status;
      if (code >= 500 && !(error instanceof AppError)) request.log.error({ err: error }, 'v2 request failed');
      const message =
        code >= 500 && !(error instanceof AppError)
          ? 'An unexpected error occurred.'
          : error.validation
            ? `invalid request: ${error.message}`
            : error.message;
      return reply.code(code).headers(headers).send({ error: message });
    });

    app.get('/v2', { schema: { tags, summary: 'V2 server metadata' } }, async () => ({
      name: 'bulwark',
      version: '2',
      extensions: [],
    }));
    app.get('/v2/health/live', { schema: { tags, summary: 'V2 liveness' } }, async () => ({ live: true }));
    app.get(
      '/v2/health/ready',
      { schema: { tags, summary: 'V2 readiness (the database answers)' } },
      async (_r, reply) => {
        try {
          await ctx.database.query('select 1');
          return { ready: true };
        } catch {
          return reply.code(503).send({ ready: false });
        }
      },
    );

    const resolve = async (principal: ReturnType<typeof principalOf>, params: Static<typeof Params>) => {
      await access.check(principal, params.name, false);
      return resolveVersion(deps, params.name, params.version ? Number(params.version) : undefined);
    };

    for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
      app.get(
        prefix,
        {
          preHandler: read,
          schema: {
            tags,
            summary: 'V2 model metadata',
            security: SECURED,
            params: Params,
            response: { 200: ModelMetadata, ...errors(400, 401, 403, 404) },
          },
        },
        async (request) => {
          const { model, version } = await resolve(principalOf(request), request.params);
          const versions = await repo.versionsOf(ctx.database.db, [model.id]);
          return {
            name: model.name,
            versions: request.params.version
              ? [String(version.version)]
              : versions.map((v) => String(v.version)),
            platform: 'onnxruntime_onnx',
            inputs: version.signature.inputs.map(metadataOf),
            outputs: version.signature.outputs.map(metadataOf),
          };
        },
      );

      app.get(
        `${prefix}/ready`,
        {
          preHandler: read,
          schema: { tags, summary: 'V2 model readiness', security: SECURED, params: Params },
        },
        async (request) => {
          const { model, version } = await resolve(principalOf(request), request.params);
          // Loading is what makes a version ready; a file that no longer loads answers 503.
          await deps.runtime.session({ ...version, name: model.name });
          return { name: model.name, version: String(version.version), ready: true };
        },
      );

      app.post(
        `${prefix}/infer`,
        {
          preHandler: read,
          schema: {
            tags,
            summary: 'V2 inference (shares the /v1 batching queue)',
            security: SECURED,
            params: Params,
            body: InferRequest,
            response: { 200: InferResponse, ...errors(400, 401, 403, 404, 429, 503, 504) },
          },
        },
        async (request) => {
          const body = request.body;
          const version = request.params.version ? Number(request.params.version) : undefined;
          const result = await predict(
            deps,
            principalOf(request),
            request.params.name,
            version,
            (signature) => {
              const unknown = body.outputs?.find((o) => !signature.outputs.some((s) => s.name === o.name));
              if (unknown) throw new AppError('BAD_REQUEST', `the model has no output ${unknown.name}`);
              return prepareV2(signature, body.inputs);
            },
          );
          const wanted = body.outputs?.map((o) => o.name);
          const outputs = Object.entries(result.outputs)
            .filter(([name]) => !wanted || wanted.includes(name))
            .map(([name, tensor]) => ({
              name,
              datatype: v2Datatype(tensor.type),
              shape: tensor.dims,
              data: tensor.data,
            }));
          return {
            model_name: result.model.name,
            model_version: String(result.version.version),
            ...(body.id !== undefined ? { id: body.id } : {}),
            outputs,
          };
        },
      );
    }
  };
}
