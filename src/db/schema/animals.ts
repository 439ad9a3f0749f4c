import { sql } from 'drizzle-orm';
import { date, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

/** Zoos (GraphQL, system 002). Names are unique whatever their case. */
export const zoos = pgTable(
  'zoos',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('zoos_name_lower_idx').on(sql`lower(${t.name})`),
    index('zoos_owner_idx').on(t.ownerId),
    index('zoos_created_at_idx').on(t.createdAt, t.id),
  ],
);

/** Animals; deleting a zoo leaves its animals without one (`on delete set null`). */
export const animals = pgTable(
  'animals',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    species: text('species'),
    birthDate: date('birth_date', { mode: 'string' }),
    description: text('description'),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    zooId: uuid('zoo_id').references(() => zoos.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('animals_owner_idx').on(t.ownerId),
    index('animals_zoo_idx').on(t.zooId),
    index('animals_created_at_idx').on(t.createdAt, t.id),
    index('animals_name_idx').on(t.name, t.id),
  ],
);

export type AnimalRow = typeof animals.$inferSelect;
export type ZooRow = typeof zoos.$inferSelect;
