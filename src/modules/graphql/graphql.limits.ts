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

function costPlugin(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = getComplexity({
        schema: args.schema as GraphQLSchema,
        query: args.document as DocumentNode,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        ...(typeof args.operationName === 'string' ? { operationName: args.operationName } : {}),
        estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
      });
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
