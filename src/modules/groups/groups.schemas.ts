import { Type, type Static } from 'typebox';
import { PageQuery, PagedList, SafeString } from '../../core/http/schemas.ts';
import { GROUP_AGGREGATIONS, GROUP_ROLES } from '../../db/schema/groups.ts';

const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });
const GroupName = SafeString({ minLength: 1, maxLength: 100, description: 'Shown to members and invitees' });
export const Aggregation = Type.Enum(GROUP_AGGREGATIONS, {
  description:
    '`average`: the mean of the members’ predicted scores; `least_misery`: the lowest of them (no member is left unhappy)',
});

/** The six content kinds of issue 11 (the items module owns them; repeated here to validate `?kind=`). */
export const ITEM_KINDS = ['movie', 'series', 'book', 'game', 'track', 'application'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const CreateGroupBody = Type.Object(
  {
    name: GroupName,
    aggregation: Type.Optional(Aggregation),
  },
  { $id: 'CreateGroupRequest', additionalProperties: false },
);
export type CreateGroupBody = Static<typeof CreateGroupBody>;

export const UpdateGroupBody = Type.Object(
  { name: Type.Optional(GroupName), aggregation: Type.Optional(Aggregation) },
  { $id: 'UpdateGroupRequest', additionalProperties: false, minProperties: 1 },
);
export type UpdateGroupBody = Static<typeof UpdateGroupBody>;

export const GroupMember = Type.Object(
  {
    account_id: Uuid,
    name: Type.Union([Type.String(), Type.Null()], {
      description: 'The display name; emails are never shown',
    }),
    role: Type.Enum(GROUP_ROLES),
    joined_at: Timestamp,
  },
  { $id: 'GroupMember' },
);

const groupFields = {
  id: Uuid,
  name: Type.String(),
  owner_id: Uuid,
  aggregation: Aggregation,
  role: Type.Enum(GROUP_ROLES, { description: 'The caller’s role in the group' }),
  member_count: Type.Integer(),
  created_at: Timestamp,
};

export const GroupSummary = Type.Object(groupFields, { $id: 'GroupSummary' });

export const Group = Type.Object(
  {
    ...groupFields,
    members: Type.Array(GroupMember, { description: 'Owner first, then by join date' }),
  },
  { $id: 'Group' },
);

export const GroupList = PagedList(GroupSummary, 'GroupList');

export const CreateInvitationBody = Type.Object(
  { account_id: Type.String({ format: 'uuid', description: 'The account to invite' }) },
  { $id: 'CreateInvitationRequest', additionalProperties: false },
);

export const Invitation = Type.Object(
  {
    id: Uuid,
    group_id: Uuid,
    group_name: Type.String(),
    account_id: Type.String({ format: 'uuid', description: 'The invitee' }),
    invited_by: Type.Object({
      account_id: Uuid,
      name: Type.Union([Type.String(), Type.Null()]),
    }),
    status: Type.Enum(['pending', 'accepted'], {
      description: '`accepted` only in the answer to the PUT that accepts it; then it is a membership',
    }),
    created_at: Timestamp,
  },
  { $id: 'GroupInvitation' },
);

export const InvitationList = PagedList(Invitation, 'GroupInvitationList');

export const InvitationParams = Type.Object({ id: Uuid, invitation_id: Uuid });

export const RecommendationsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  kind: Type.Optional(Type.Enum(ITEM_KINDS)),
  aggregation: Type.Optional(Aggregation),
});

export const GroupRecommendations = Type.Object(
  {
    aggregation: Aggregation,
    members: Type.Integer({ description: 'How many members the recommendations are for' }),
    items: Type.Array(
      Type.Object({
        item: Type.Object(
          { id: Uuid, kind: Type.String(), title: Type.String() },
          { additionalProperties: true, description: 'The item, as `GET /v1/items/{id}` shows it' },
        ),
        score: Type.Number(),
        engine: Type.String(),
        reason: Type.String(),
      }),
    ),
  },
  { $id: 'GroupRecommendations' },
);

export { PageQuery };

export const ALL_SCHEMAS = [
  CreateGroupBody,
  UpdateGroupBody,
  GroupMember,
  GroupSummary,
  Group,
  GroupList,
  CreateInvitationBody,
  Invitation,
  InvitationList,
  GroupRecommendations,
];
