import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import { PageQuery, problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import { prepareNested, predict, type PredictDeps } from './models.predict.ts';
import * as repo from './models.repository.ts';
import {
  AliasBody,
  AliasParam,
  Model,
  ModelList,
  ModelVersion,
  NameParam,
  NameVersionParam,
  PatchVersionBody,
  PredictBody,
  PredictResponse,
  TensorSpec,
  VersionQuery,
} from './models.schemas.ts';
import { deleteVersion, patchVersion, registerVersion, setAlias } from './models.service.ts';
import { toNested } from './models.tensors.ts';
import { readUpload } from './models.upload.ts';
import { modelView, versionView } from './models.view.ts';
import { AppError, notFound } from '../../core/errors/app-error.ts';

/** `/v1/models`: the registry (upload, list, read, alias, batching settings, delete) and predict. */
export function modelsRoutes(deps: PredictDeps & { guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { ctx, guard, access } = deps;
    const db = ctx.database.db;
    for (const schema of [TensorSpec, ModelVersion, Model, ModelList]) app.addSchema(schema);
    const tags = ['models'];
    const read = guard({ scope: 'models:read' });
    const write = guard({ scope: 'models:write' });

    await app.register(async (upload) => {
      const { maxModelBytes } = ctx.config.models;
      await upload.register(multipart, {
        limits: {
          fileSize: maxModelBytes,
          files: 1,
          fields: 8,
          fieldSize: 4096,
          parts: 10,
          headerPairs: 100,
        },
        throwFileSizeLimit: true,
      });
      upload.post(
        '/v1/models',
        {
          preHandler: write,
          // The body is multipart and streamed; its fields are checked in the handler.
          bodyLimit: maxModelBytes + 64 * 1024,
          schema: {
            tags,
            summary: 'Upload an ONNX model as a new version (multipart: file, name, version?, description?)',
            consumes: ['multipart/form-data'],
            security: SECURED,
            response: { 201: ModelVersion, ...problemResponses(400, 401, 403, 409, 413, 415, 422) },
          },
        },
        async (request, reply) => {
          const principal = principalOf(request);
          const { file, fields } = await readUpload(request, ctx.storage);
          try {
            if (fields.name) await access.check(principal, fields.name, false);
          } catch (error) {
            if (file) await ctx.storage.delete(file.blobKey);
            throw error;
          }
          const { model, version } = await registerVersion(deps, principal, file, fields);
          return reply.code(201).send(versionView(model, version));
        },
      );
    });

    app.get(
      '/v1/models',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Every model, newest first',
          security: SECURED,
          querystring: PageQuery,
          response: { 200: ModelList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const { limit = 20, cursor } = request.query;
        const rows = await repo.listModels(db, { before: decodeCursor(cursor), limit: limit + 1 });
        const { page, next } = pageOf(rows, limit);
        const visible = await access.visible(
          principalOf(request),
          page.map((m) => m.name),
        );
        const versions = await repo.versionsOf(
          db,
          page.map((m) => m.id),
        );
        const items = page
          .filter((m) => visible.has(m.name))
          .map((m) =>
            modelView(
              m,
              versions.filter((v) => v.modelId === m.id),
            ),
          );
        return { items, next_cursor: next };
      },
    );

    app.get(
      '/v1/models/:name',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'A model: its versions with their signatures, and its aliases',
          security: SECURED,
          params: NameParam,
          response: { 200: Model, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => {
        const { name } = request.params;
        await access.check(principalOf(request), name, false);
        const model = await repo.findModel(db, name);
        if (!model) throw notFound('model');
        return modelView(model, await repo.versionsOf(db, [model.id]));
      },
    );

    app.put(
      '/v1/models/:name/aliases/:alias',
      {
        preHandler: write,
        schema: {
          tags,
          summary: 'Point an alias (`production`) at a version',
          security: SECURED,
          params: AliasParam,
          body: AliasBody,
          response: { 200: Model, ...problemResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request) => {
        const { name, alias } = request.params;
        if (alias !== 'production') throw new AppError('NOT_FOUND', 'The only alias is `production`.');
        const principal = principalOf(request);
        await access.check(principal, name, false);
        await setAlias(deps, principal, name, request.body.version);
        const model = (await repo.findModel(db, name))!;
        return modelView(model, await repo.versionsOf(db, [model.id]));
      },
    );

    app.patch(
      '/v1/models/:name/versions/:version',
      {
        preHandler: write,
        schema: {
          tags,
          summary: 'Change a version’s batching and queue settings (max_batch_size, max_delay_ms, max_queue)',
          security: SECURED,
          params: NameVersionParam,
          body: PatchVersionBody,
          response: { 200: ModelVersion, ...problemResponses(400, 401, 403, 404, 422) },
        },
      },
      async (request) => {
        const { name, version } = request.params;
        const principal = principalOf(request);
        await access.check(principal, name, false);
        const updated = await patchVersion(deps, principal, name, version, request.body);
        return versionView(updated.model, updated.version);
      },
    );

    app.delete(
      '/v1/models/:name/versions/:version',
      {
        preHandler: write,
        schema: {
          tags,
          summary: 'Delete a version (its session unloaded, its file removed)',
          security: SECURED,
          params: NameVersionParam,
          response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { name, version } = request.params;
        const principal = principalOf(request);
        await access.check(principal, name, false);
        await deleteVersion(deps, principal, name, version);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/models/:name/predict',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Predict: inputs checked against the signature, micro-batched with concurrent requests',
          security: SECURED,
          params: NameParam,
          querystring: VersionQuery,
          body: PredictBody,
          response: {
            200: PredictResponse,
            ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429, 503, 504),
          },
        },
      },
      async (request) => {
        const { name } = request.params;
        const result = await predict(
          deps,
          principalOf(request),
          name,
          request.query.version,
          (signature) => prepareNested(signature, request.body.inputs, '/body/inputs'),
          request.query.timeout_ms,
        );
        const outputs: Record<string, unknown> = {};
        for (const [key, tensor] of Object.entries(result.outputs)) outputs[key] = toNested(tensor);
        return { model: result.model.name, version: result.version.version, outputs };
      },
    );
  };
}
