import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { Config } from '../../core/config/config.ts';
import type { Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { formatOf, IMPORT_MEDIA_TYPES } from '../../core/import/records.ts';
import { IdParam, problemResponses } from '../../core/http/schemas.ts';
import { SECURED, type Guard } from '../auth/index.ts';
import { importItems } from './catalog.import.ts';
import * as repo from './catalog.repository.ts';
import {
  ALL_SCHEMAS,
  CreateItemsBody,
  Item,
  ItemImportReport,
  ItemList,
  ItemListQuery,
} from './catalog.schemas.ts';
import { createItems, getItem } from './catalog.service.ts';
import { decodeListCursor, encodeListCursor, toItemView } from './catalog.view.ts';

export interface CatalogRoutesDeps {
  readonly db: Db;
  readonly config: Config;
  readonly guard: Guard;
}

/** `/v1/items`: create (admin), import (admin, streamed), search and read. */
export function catalogRoutes(deps: CatalogRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { db, guard, config } = deps;
    for (const schema of ALL_SCHEMAS) app.addSchema(schema);
    const common = { tags: ['items'], security: SECURED };

    // Import bodies are handed over as the raw stream, unread: read line by line with bounded memory, so
    // an import may be far larger than MAX_BODY_BYTES.
    app.addContentTypeParser(Object.keys(IMPORT_MEDIA_TYPES), (_request, payload, done) =>
      done(null, payload),
    );

    app.post(
      '/v1/items',
      {
        preHandler: guard({ scope: 'admin' }),
        schema: {
          ...common,
          summary: 'Create an item, or an array of items in one transaction (admin)',
          body: CreateItemsBody,
          response: {
            201: Type.Union([Type.Ref('Item'), Type.Ref('CreatedItems')], {
              description: 'The item, or `{items}` when an array was sent',
            }),
            ...problemResponses(400, 401, 403, 409, 413, 415, 422),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const created = await createItems(db, Array.isArray(body) ? body : [body]);
        const views = created.map(toItemView);
        return reply.code(201).send(Array.isArray(body) ? { items: views } : views[0]!);
      },
    );

    app.get(
      '/v1/items',
      {
        preHandler: guard({ scope: 'recommendations:read' }),
        schema: {
          ...common,
          summary: 'Items by popularity, or ranked by relevance to `q` (full-text search)',
          querystring: ItemListQuery,
          response: { 200: ItemList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const { limit = 20, cursor, kind, genre, q } = request.query;
        const ranked = q !== undefined;
        const rows = await repo.listItems(db, {
          kind,
          genre,
          q,
          after: decodeListCursor(ranked, cursor),
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map(toItemView),
          next_cursor:
            rows.length > limit && last
              ? encodeListCursor(ranked, { value: last.sortValue, id: last.id })
              : null,
        };
      },
    );

    app.get(
      '/v1/items/:id',
      {
        preHandler: guard({ scope: 'recommendations:read' }),
        schema: {
          ...common,
          summary: 'One item',
          params: IdParam,
          response: { 200: Item, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => toItemView(await getItem(db, request.params.id)),
    );

    app.post(
      '/v1/items/import',
      {
        preHandler: guard({ scope: 'admin' }),
        schema: {
          ...common,
          summary:
            'Import items from CSV or NDJSON (admin): streamed, upserted on external_id, bad lines reported',
          description:
            'CSV columns: `external_id,kind,title,description,genres,year,attributes` (genres separated by `|`, attributes as JSON); NDJSON: one item per line as for `POST /v1/items`. Every line needs an `external_id`.',
          consumes: Object.keys(IMPORT_MEDIA_TYPES),
          response: { 200: ItemImportReport, ...problemResponses(401, 403, 415) },
        },
      },
      async (request) => {
        const format = formatOf(request.headers['content-type']);
        if (!format) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send text/csv or application/x-ndjson.');
        const report = await importItems(db, request.body as Readable, format, {
          batchRows: config.catalog.importBatchRows,
          maxLineBytes: config.catalog.importMaxLineBytes,
        });
        return report;
      },
    );
  };
}
