import type { Builder, Page, SchemaTypes } from './graphql.builder.ts';

/** `first` of every connection: 1..100, default 20 (the REST `limit`). */
export const MAX_FIRST = 100;
export const DEFAULT_FIRST = 20;

/**
 * Defines `<Node>Connection` and `<Node>Edge` over a Page: edges with opaque cursors, `pageInfo`, and a
 * `totalCount` that costs its query only when asked for.
 * @example defineConnection(builder, 'Animal')
 */
export function defineConnection(builder: Builder, node: 'Animal' | 'Zoo'): void {
  // Both connections share the code; the rows differ only in type (an Animal or a Zoo page).
  type Row = SchemaTypes['Objects']['Animal'];
  // An edge is its page and row: the cursor is only encoded when a query asks for it.
  const edge = builder.objectRef<{ page: Page<Row>; node: Row }>(`${node}Edge`).implement({
    fields: (t) => ({
      cursor: t.string({ resolve: (e) => e.page.cursorOf(e.node) }),
      node: t.field({ type: node, resolve: (e) => e.node as never }),
    }),
  });
  builder.objectType(`${node}Connection` as 'AnimalConnection', {
    fields: (t) => ({
      edges: t.field({
        type: [edge],
        resolve: (page: Page<Row>) => page.rows.map((row) => ({ page, node: row })),
      }),
      pageInfo: t.field({
        type: PageInfo(builder),
        resolve: (page: Page<Row>) => page as unknown as Page<{ id: string }>,
      }),
      totalCount: t.int({ resolve: (page: Page<Row>) => page.totalCount() }),
    }),
  });
}

const pageInfoRefs = new WeakMap<Builder, ReturnType<typeof definePageInfo>>();

function PageInfo(builder: Builder) {
  let ref = pageInfoRefs.get(builder);
  if (!ref) pageInfoRefs.set(builder, (ref = definePageInfo(builder)));
  return ref;
}

function definePageInfo(builder: Builder) {
  return builder.objectRef<Page<{ id: string }>>('PageInfo').implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
      startCursor: t.string({
        nullable: true,
        resolve: (p) => (p.rows[0] ? p.cursorOf(p.rows[0]) : null),
      }),
      endCursor: t.string({
        nullable: true,
        resolve: (p) => {
          const last = p.rows.at(-1);
          return last ? p.cursorOf(last) : null;
        },
      }),
    }),
  });
}
