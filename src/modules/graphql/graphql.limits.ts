import type { Plugin } from '@envelop/core';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { GraphqlConfig } from '../../core/config/config.ts';
import { DEFAULT_FIRST } from './graphql.connections.ts';

/** A connection costs `first` times what one of its edges costs (plus the edge itself). */
const connectionEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!('first' in args) && !field.args.some((a) => a.name === 'first')) return undefined;
  const first = typeof args.first === 'number' && args.first > 0 ? args.first : DEFAULT_FIRST;
  return first * (1 + childComplexity);
};

/**
 * Every limit runs before execution: depth, aliases, directives and tokens (graphql-armor's validation
 * rules), the cost (graphql-query-complexity, once the variables are known, in `onExecute` before any
 * resolver), and, when switched off, introspection. Field suggestions are never sent (they leak the schema).
 */
export function limitPlugins(config: GraphqlConfig): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: config.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: config.maxAliases },
    maxDirectives: { n: config.maxDirectives },
    maxTokens: { n: config.maxTokens },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  });
  const plugins: Plugin[] = [...armor.protect().plugins, costPlugin(config.maxCost)];
  if (!config.introspection) {
    plugins.push({
      onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
    });
  }
  return plugins;
}

/** Cached costs per parsed document: at most this many variable sets each (then the set starts afresh). */
const COSTS_PER_DOCUMENT = 64;
/** Variables longer than this as JSON are not remembered (the cache must not hold large request bodies). */
const MAX_KEY_LENGTH = 512;

const variablesKey = (operationName: string | undefined, variables: Record<string, unknown>) => {
  try {
    const key = `${operationName ?? ''}\n${JSON.stringify(variables)}`;
    return key.length <= MAX_KEY_LENGTH ? key : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The cost check. A document's cost depends only on the document, the operation and the variables, so it
 * is computed once per (document, operation, variables) and remembered: Yoga's parser cache (an LRU keyed
 * by the query text) hands back the same DocumentNode for the same text, and the costs live in a WeakMap
 * beside it, so they go when the document leaves that cache. The limit is compared on every request, cached
 * or not.
 */
export function costPlugin(maxCost: number): Plugin {
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  const costOf = (args: {
    schema: unknown;
    document: unknown;
    variableValues?: unknown;
    operationName?: unknown;
  }) => {
    const document = args.document as DocumentNode;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const operationName = typeof args.operationName === 'string' ? args.operationName : undefined;
    const key = variablesKey(operationName, variables);
    let byKey = costs.get(document);
    const known = key === undefined ? undefined : byKey?.get(key);
    if (known !== undefined) return known;
    const cost = getComplexity({
      schema: args.schema as GraphQLSchema,
      query: document,
      variables,
      ...(operationName !== undefined ? { operationName } : {}),
      estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
    if (key === undefined) return cost;
    if (!byKey || byKey.size >= COSTS_PER_DOCUMENT) costs.set(document, (byKey = new Map<string, number>()));
    byKey.set(key, cost);
    return cost;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = costOf(args);
      if (cost > maxCost) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}; ask for smaller pages.`, {
              extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost },
            }),
          ],
        });
      }
    },
  };
}
