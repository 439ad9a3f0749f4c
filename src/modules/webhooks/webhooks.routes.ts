import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors/app-error.ts';
import { decodeCursor, pageOf } from '../../core/http/cursor.ts';
import { IdParam, PageQuery, problemResponses } from '../../core/http/schemas.ts';
import { actsAsAdmin, principalOf, SECURED, type Guard } from '../auth/index.ts';
import * as repo from './webhooks.repository.ts';
import {
  ALL_SCHEMAS,
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryParams,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookList,
  WebhookListQuery,
} from './webhooks.schemas.ts';
import {
  createWebhook,
  deleteWebhook,
  retryDelivery,
  toDeliveryView,
  toWebhookView,
  visibleWebhook,
  type WebhooksDeps,
} from './webhooks.service.ts';

/** `/v1/webhooks`: register (secret shown once), list, delete, and each webhook's deliveries. */
export function webhooksRoutes(deps: WebhooksDeps & { guard: Guard }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { guard, db } = deps;
    for (const schema of ALL_SCHEMAS) app.addSchema(schema);
    const tags = ['webhooks'];
    const common = { tags, security: SECURED };

    app.post(
      '/v1/webhooks',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'Register a webhook; its signing secret is in this response only',
          body: CreateWebhookBody,
          response: { 201: CreatedWebhook, ...problemResponses(400, 401, 403, 409, 415, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createWebhook(deps, principalOf(request), request.body)),
    );

    app.get(
      '/v1/webhooks',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'Your webhooks (admins: `?all=true` for everyone’s), newest first',
          querystring: WebhookListQuery,
          response: { 200: WebhookList, ...problemResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { all = false, limit = 20, cursor } = request.query;
        if (all && !actsAsAdmin(principal))
          throw new AppError('FORBIDDEN', 'Only admins list every account’s webhooks.');
        const rows = await repo.list(db, {
          accountId: all ? undefined : principal.account.id,
          before: decodeCursor(cursor),
          limit: limit + 1,
        });
        const { page, next } = pageOf(rows, limit);
        return { items: page.map(toWebhookView), next_cursor: next };
      },
    );

    app.get(
      '/v1/webhooks/:id',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'One webhook (yours; admins: any)',
          params: IdParam,
          response: { 200: Webhook, ...problemResponses(401, 404, 422) },
        },
      },
      async (request) => toWebhookView(await visibleWebhook(db, principalOf(request), request.params.id)),
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'Delete a webhook and its deliveries; nothing more is sent to it',
          params: IdParam,
          response: { 204: Type.Null(), ...problemResponses(401, 404, 422) },
        },
      },
      async (request, reply) => {
        await deleteWebhook(db, principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'A webhook’s deliveries, newest first: status, response, duration, attempts, next try',
          params: IdParam,
          querystring: PageQuery,
          response: { 200: WebhookDeliveryList, ...problemResponses(400, 401, 404, 422) },
        },
      },
      async (request) => {
        const webhook = await visibleWebhook(db, principalOf(request), request.params.id);
        const { limit = 20, cursor } = request.query;
        const rows = await repo.listDeliveries(db, {
          webhookId: webhook.id,
          before: decodeCursor(cursor),
          limit: limit + 1,
        });
        const { page, next } = pageOf(rows, limit);
        return { items: page.map(toDeliveryView), next_cursor: next };
      },
    );

    app.post(
      '/v1/webhooks/:id/deliveries/:delivery_id/retry',
      {
        preHandler: guard(),
        schema: {
          ...common,
          summary: 'Send a delivery again now (same webhook-id); 202 with the delivery as it now stands',
          params: DeliveryParams,
          response: { 202: WebhookDelivery, ...problemResponses(401, 404, 422) },
        },
      },
      async (request, reply) => {
        const { id, delivery_id } = request.params;
        const row = await retryDelivery(deps, principalOf(request), id, delivery_id);
        return reply.code(202).send(toDeliveryView(row));
      },
    );
  };
}
