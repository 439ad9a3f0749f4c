import { index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

/** How a group's members' predicted scores combine into the group's: the mean, or the least happy member. */
export const GROUP_AGGREGATIONS = ['average', 'least_misery'] as const;
export type GroupAggregation = (typeof GROUP_AGGREGATIONS)[number];

export const GROUP_ROLES = ['owner', 'member'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/**
 * Groups of accounts that get recommendations together (004). The owner is also a member row (role
 * `owner`); when the owner leaves or its account is deleted the group goes with it (no transfer).
 */
export const groups = pgTable(
  'groups',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    aggregation: text('aggregation', { enum: GROUP_AGGREGATIONS }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('groups_owner_idx').on(t.ownerId)],
);

export const groupMembers = pgTable(
  'group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    role: text('role', { enum: GROUP_ROLES }).notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.accountId] }),
    // "My groups", newest first, and the account-deletion cleanup.
    index('group_members_account_idx').on(t.accountId, t.groupId),
  ],
);

/**
 * Pending invitations only: accepting turns the row into a membership, refusing or withdrawing deletes
 * it, so an answered invitation leaves no trace to purge. One pending invitation per account and group.
 */
export const groupInvitations = pgTable(
  'group_invitations',
  {
    id: uuid('id').primaryKey(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    invitedBy: uuid('invited_by')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('group_invitations_group_account_idx').on(t.groupId, t.accountId),
    index('group_invitations_account_idx').on(t.accountId, t.id),
  ],
);
