import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { Config } from '../../core/config/config.ts';
import type { Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { formatOf, IMPORT_MEDIA_TYPES } from '../../core/import/records.ts';
import { principalOf, SECURED, type Guard } from '../auth/index.ts';
import { importFeedback } from './feedback.import.ts';
import * as repo from './feedback.repository.ts';
import {
  ALL_SCHEMAS,
  BadRecommendation,
  BadRecommendationBody,
  FeedbackBody,
  FeedbackImportReport,
  FeedbackRecorded,
  GenreParams,
  LikedGenres,
} from './feedback.schemas.ts';
import { likeGenre, markBadRecommendation, recordFeedback } from './feedback.service.ts';

/** Feedback, bad-recommendation marks, liked genres and the history import. */
export function feedbackRoutes(deps: { db: Db; config: Config; guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { db, guard, config } = deps;
    for (const schema of ALL_SCHEMAS) app.addSchema(schema);
    const common = { tags: ['feedback'], security: SECURED };
    const write = guard({ scope: 'recommendations:write' });

    // The import body is the raw stream, read line by line (see catalog.routes.ts).
    app.addContentTypeParser(Object.keys(IMPORT_MEDIA_TYPES), (_request, payload, done) =>
      done(null, payload),
    );

    app.post(
      '/v1/feedback',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'Record feedback (one or an array, all or nothing): view, like, dislike, rating 0..5',
          description:
            'The latest rating of an item replaces the previous one; like and dislike replace each other; views add up.',
          body: FeedbackBody,
          response: { 200: FeedbackRecorded, ...problemResponses(400, 401, 403, 413, 415, 422) },
        },
      },
      async (request) => {
        const body = request.body;
        const many = Array.isArray(body);
        const recorded = await recordFeedback(
          db,
          principalOf(request).account.id,
          many ? body : [body],
          (index) => (many ? `/body/${index}` : '/body'),
        );
        return { recorded };
      },
    );

    app.post(
      '/v1/feedback/import',
      {
        preHandler: guard({ scope: 'admin' }),
        schema: {
          ...common,
          summary: 'Import feedback history from CSV or NDJSON (admin): streamed, bad lines reported',
          description:
            'Fields: `account_id` or `external_user`, `item_id` or `external_id`, `type`, `value`, `at` (RFC 3339 or Unix seconds). CSV: a header line names the columns.',
          consumes: Object.keys(IMPORT_MEDIA_TYPES),
          response: { 200: FeedbackImportReport, ...problemResponses(401, 403, 415) },
        },
      },
      async (request) => {
        const format = formatOf(request.headers['content-type']);
        if (!format) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send text/csv or application/x-ndjson.');
        return importFeedback(db, request.body as Readable, format, {
          batchRows: config.catalog.importBatchRows,
          maxLineBytes: config.catalog.importMaxLineBytes,
        });
      },
    );

    app.post(
      '/v1/items/:id/bad-recommendation',
      {
        preHandler: write,
        schema: {
          ...common,
          summary:
            'Mark an item as a bad recommendation: hidden from you, and what the reasons name is lowered',
          params: IdParam,
          body: BadRecommendationBody,
          response: { 200: BadRecommendation, ...problemResponses(400, 401, 403, 404, 415, 422) },
        },
      },
      async (request) => {
        const mark = await markBadRecommendation(
          db,
          principalOf(request).account.id,
          request.params.id,
          request.body,
        );
        return { item_id: mark.itemId, reasons: mark.reasons, created_at: mark.createdAt.toISOString() };
      },
    );

    app.get(
      '/v1/me/genres',
      {
        preHandler: guard({ scope: 'recommendations:read' }),
        schema: {
          ...common,
          summary: 'The genres you like (recommendations start from them)',
          response: { 200: LikedGenres, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ genres: await repo.likedGenresOf(db, principalOf(request).account.id) }),
    );

    app.put(
      '/v1/me/genres/:genre',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'Like a genre (idempotent)',
          params: GenreParams,
          response: { 204: Type.Null(), ...problemResponses(401, 403, 409, 422) },
        },
      },
      async (request, reply) => {
        await likeGenre(db, principalOf(request).account.id, request.params.genre);
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/v1/me/genres/:genre',
      {
        preHandler: write,
        schema: {
          ...common,
          summary: 'Stop liking a genre (idempotent)',
          params: GenreParams,
          response: { 204: Type.Null(), ...problemResponses(401, 403, 422) },
        },
      },
      async (request, reply) => {
        await repo.unlikeGenre(db, principalOf(request).account.id, request.params.genre);
        return reply.code(204).send(null);
      },
    );
  };
}
