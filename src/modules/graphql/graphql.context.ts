import DataLoader from 'dataloader';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors/app-error.ts';
import type { Principal, Scope } from '../auth/index.ts';

/** What every resolver gets: the request, its principal (resolved once, on demand), its own loaders. */
export interface GraphqlContext {
  readonly request: FastifyRequest;
  /** The caller, through the same authenticator as REST; undefined when anonymous. */
  principal(): Promise<Principal | undefined>;
  /**
   * The caller, or UNAUTHENTICATED; FORBIDDEN when its credential lacks `scope` (default `animals:write`,
   * as on the REST twin). Every mutation but register, login and refreshToken starts here.
   */
  requirePrincipal(scope?: Scope): Promise<Principal>;
  /**
   * This request's DataLoader under `key`, made on first use. The map lives and dies with the request, so a
   * loader's cache never serves one caller's data to another.
   */
  loader<K, V>(key: string, batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>): DataLoader<K, V>;
}

/**
 * Builds a request's context.
 * @example createContext(request, (r) => authenticator.authenticate(r))
 */
export function createContext(
  request: FastifyRequest,
  authenticate: (request: FastifyRequest) => Promise<Principal | undefined>,
): GraphqlContext {
  let principal: Promise<Principal | undefined> | undefined;
  const loaders = new Map<string, DataLoader<unknown, unknown>>();
  const context: GraphqlContext = {
    request,
    principal: () => (principal ??= authenticate(request)),
    async requirePrincipal(scope: Scope = 'animals:write') {
      const found = await context.principal();
      if (!found) throw new AppError('UNAUTHENTICATED', 'Sign in to do this.');
      if (!found.scopes.includes(scope)) throw new AppError('FORBIDDEN', `This needs the ${scope} scope.`);
      return found;
    },
    loader<K, V>(key: string, batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>) {
      let loader = loaders.get(key);
      if (!loader) {
        loader = new DataLoader<K, V>(batch, { maxBatchSize: 1000 });
        loaders.set(key, loader);
      }
      return loader as DataLoader<K, V>;
    },
  };
  return context;
}
