import { Type, type Static } from 'typebox';
import { PageQuery, SafeString } from '../../core/http/schemas.ts';
import { DELIVERY_STATUSES } from '../../db/schema/webhooks.ts';
import { WEBHOOK_EVENTS } from './webhooks.events.ts';

const EventName = Type.Enum(WEBHOOK_EVENTS);
const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const CreateWebhookBody = Type.Object(
  {
    url: SafeString({
      minLength: 1,
      maxLength: 2048,
      description: 'http(s) URL on a public address (unless WEBHOOK_ALLOW_PRIVATE=on); no credentials',
    }),
    events: Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true }),
    secret: Type.Optional(
      SafeString({
        maxLength: 100,
        pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
        description: '`whsec_` + base64 of 24..64 random bytes; generated when absent',
      }),
    ),
    all_accounts: Type.Optional(
      Type.Boolean({ description: 'Admins: receive these events for every account, not only your own' }),
    ),
  },
  { $id: 'CreateWebhookRequest', additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

const webhookFields = {
  id: Type.String({ format: 'uuid' }),
  owner_id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  all_accounts: Type.Boolean(),
  created_at: Timestamp,
};

export const Webhook = Type.Object(webhookFields, { $id: 'Webhook', description: 'Without its secret' });

export const CreatedWebhook = Type.Object(
  {
    ...webhookFields,
    secret: Type.String({ description: 'whsec_…: shown this once; verify `webhook-signature` with it' }),
  },
  { $id: 'CreatedWebhook' },
);

export const WebhookList = Type.Object(
  { items: Type.Array(Webhook), next_cursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'WebhookList' },
);

export const WebhookListQuery = Type.Object({
  ...PageQuery.properties,
  all: Type.Optional(Type.Boolean({ description: 'Admins: every account’s webhooks' })),
});

export const WebhookDelivery = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The `webhook-id` header is `msg_<id>`' }),
    webhook_id: Type.String({ format: 'uuid' }),
    event_type: Type.String(),
    status: Type.Enum(DELIVERY_STATUSES),
    attempts: Type.Integer({ description: 'Attempts made so far' }),
    response_status: Type.Union([Type.Integer(), Type.Null()], {
      description: 'HTTP status of the last attempt; null when none was received',
    }),
    duration_ms: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    last_attempt_at: NullableTimestamp,
    next_attempt_at: Type.Union([Timestamp, Type.Null()], { description: 'null once succeeded or failed' }),
    created_at: Timestamp,
  },
  { $id: 'WebhookDelivery' },
);

export const WebhookDeliveryList = Type.Object(
  { items: Type.Array(WebhookDelivery), next_cursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'WebhookDeliveryList' },
);

export const DeliveryParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  delivery_id: Type.String({ format: 'uuid' }),
});

export const ALL_SCHEMAS = [
  CreateWebhookBody,
  Webhook,
  CreatedWebhook,
  WebhookList,
  WebhookDelivery,
  WebhookDeliveryList,
];
