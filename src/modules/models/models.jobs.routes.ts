import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import { cancelJob, createJob, jobView, MAX_JOB_ROWS, visibleJob } from './models.jobs.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { validatorCompiler } from '../../core/http/validation.ts';
import type { PredictDeps } from './models.predict.ts';
import { NameParam } from './models.schemas.ts';

const JobBody = Type.Object(
  {
    inputs: Type.Array(Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), { maxProperties: 64 }), {
      minItems: 1,
      maxItems: MAX_JOB_ROWS,
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

    // The body is streamed row by row (models.jobs.stream.ts), not parsed whole: in this context JSON bodies
    // reach the handler as the raw stream, and the route's body schema documents what the stream reader
    // enforces (its own 400/413/422) instead of being checked on a parsed body.
    const streamedRoutes: FastifyPluginAsyncTypebox = async (streamed) => {
      streamed.removeContentTypeParser('application/json');
      streamed.addContentTypeParser('application/json', (_request, payload, done) => done(null, payload));
      const maxBytes = ctx.config.models.maxJobBytes;
      streamed.post(
        '/v1/models/:name/jobs',
        {
          preHandler: read,
          validatorCompiler: (route) =>
            route.httpPart === 'body' ? (value: unknown) => ({ value }) : validatorCompiler(route),
          schema: {
            tags,
            summary: `Queue a batch prediction of up to ${MAX_JOB_ROWS} rows (streamed in); poll GET /v1/jobs/{id}`,
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
          // A declared length over the limit is refused before reading anything.
          if (Number(request.headers['content-length'] ?? 0) > maxBytes)
            throw new AppError('PAYLOAD_TOO_LARGE', 'The body is larger than MAX_JOB_BYTES allows.');
          const body = request.body as unknown as Readable;
          let id: string;
          try {
            // Not destroyed when the reader stops early: the rest is discarded below, and the answer sent.
            id = await createJob(
              deps,
              principalOf(request),
              request.params.name,
              request.query.version,
              body.iterator({ destroyOnReturn: false }),
            );
          } catch (error) {
            if (!body.readableEnded) {
              // Refused before its end: the rest of the body is not read, and the connection not reused.
              void reply.header('connection', 'close');
              body.resume();
            }
            throw error;
          }
          return reply.code(202).header('location', `/v1/jobs/${id}`).send({ job_id: id });
        },
      );
    };
    await app.register(streamedRoutes);

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
