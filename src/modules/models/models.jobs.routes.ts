import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import { cancelJob, createJob, jobView, visibleJob } from './models.jobs.ts';
import type { PredictDeps } from './models.predict.ts';
import { NameParam } from './models.schemas.ts';

const MAX_ROWS = 100_000;

const JobBody = Type.Object(
  {
    inputs: Type.Array(Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), { maxProperties: 64 }), {
      minItems: 1,
      maxItems: MAX_ROWS,
      description: 'One object per row: {<input name>: the row’s value, without the batch dimension}',
    }),
  },
  { additionalProperties: false },
);

const JobStatus = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    model: Type.String(),
    version: Type.Integer(),
    status: Type.Union([
      Type.Literal('queued'),
      Type.Literal('running'),
      Type.Literal('succeeded'),
      Type.Literal('failed'),
      Type.Literal('cancelled'),
    ]),
    progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
    outputs: Type.Optional(
      Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'One object per row' }),
    ),
    error: Type.Optional(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ModelJob' },
);

/** Asynchronous batch predictions: `POST /v1/models/{name}/jobs`, `GET|DELETE /v1/jobs/{id}`. */
export function jobsRoutes(deps: PredictDeps & { guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { guard, ctx } = deps;
    const read = guard({ scope: 'models:read' });
    const tags = ['models'];
    app.addSchema(JobStatus);

    app.post(
      '/v1/models/:name/jobs',
      {
        preHandler: read,
        bodyLimit: ctx.config.models.maxJobBytes,
        schema: {
          tags,
          summary: `Queue a batch prediction of up to ${MAX_ROWS} rows; poll GET /v1/jobs/{id}`,
          security: SECURED,
          params: NameParam,
          querystring: Type.Object({
            version: Type.Optional(Type.Integer({ minimum: 1, maximum: 999_999_999 })),
          }),
          body: JobBody,
          response: {
            202: Type.Object({ job_id: Type.String({ format: 'uuid' }) }),
            ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const id = await createJob(
          deps,
          principalOf(request),
          request.params.name,
          request.query.version,
          request.body.inputs,
        );
        return reply.code(202).header('location', `/v1/jobs/${id}`).send({ job_id: id });
      },
    );

    app.get(
      '/v1/jobs/:id',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'A job’s status and progress, and its outputs once it succeeded',
          security: SECURED,
          params: IdParam,
          response: { 200: JobStatus, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => jobView(deps, await visibleJob(deps, principalOf(request), request.params.id)),
    );

    app.delete(
      '/v1/jobs/:id',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Cancel a queued or running job (a finished one is deleted with its outputs)',
          security: SECURED,
          params: IdParam,
          response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        await cancelJob(deps, principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
