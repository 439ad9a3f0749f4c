import { and, isNull, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../../core/db/database.ts';
import { AppError } from '../../core/errors/app-error.ts';
import { accounts } from '../../db/schema/accounts.ts';
import { createAccount } from '../accounts/index.ts';
import {
  canActFor,
  OAuthFailure,
  passwordGrant,
  refreshGrant,
  RegisterBody,
  type AuthApi,
  type TokenPair,
} from '../auth/index.ts';
import { assertValid } from './graphql.validate.ts';
import type { Builder, UserNode } from './graphql.builder.ts';
import type { GraphqlContext } from './graphql.context.ts';

/**
 * Users by id, batched per request. Only live accounts, and only the columns a User shows: the password
 * hash is never read here, so no resolver can leak it.
 */
export function userLoader(ctx: GraphqlContext, db: Db) {
  return ctx.loader<string, UserNode | undefined>('user', async (ids) => {
    const rows = await usersByIds(db).execute({ ids: [...ids] });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  });
}

// Prepared once per database: a list of animals reads its owners on every request.
const usersByIds = preparedPerDb((db: Db) =>
  db
    .select({ id: accounts.id, name: accounts.name, email: accounts.email, createdAt: accounts.createdAt })
    .from(accounts)
    .where(and(sql`${accounts.id} = any(${sql.placeholder('ids')}::uuid[])`, isNull(accounts.deletedAt)))
    .prepare('graphql_users_by_ids'),
);

/** Users the request has just signed in as (register, login, refresh): their own email is theirs to see. */
const signedInAs = new WeakSet<UserNode>();

/** The GraphQL twins of the token endpoint's failures: a bad password or refresh token is UNAUTHENTICATED. */
async function grant(run: () => Promise<TokenPair>): Promise<TokenPair> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OAuthFailure) {
      throw new AppError(error.status === 401 ? 'UNAUTHENTICATED' : 'BAD_REQUEST', error.message);
    }
    throw error;
  }
}

/** `User`, `me`, and the `register`, `login` and `refreshToken` mutations over the REST auth services. */
export function defineUsersGraphql(builder: Builder, deps: { db: Db; auth: AuthApi }): void {
  const { db } = deps;
  const auth = deps.auth.rt;
  // The runtime POST /v1/auth/register gives the accounts service.
  const accountsRt = {
    db,
    events: auth.events,
    hasher: deps.auth.hasher,
    forgetAccount: deps.auth.forgetAccount,
    reauthenticate: deps.auth.reauthenticate,
  };
  builder.objectType('User', {
    interfaces: ['Node'],
    isTypeOf: (value) => typeof value === 'object' && value !== null && 'email' in value,
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name', { nullable: true }),
      email: t.string({
        nullable: true,
        description: 'Only for the account itself or an admin; null for everyone else.',
        resolve: async (user, _args, ctx) => {
          if (signedInAs.has(user)) return user.email;
          const principal = await ctx.principal();
          return principal && canActFor(principal, user.id) ? user.email : null;
        },
      }),
      createdAt: t.field({ type: 'DateTime', resolve: (user) => user.createdAt }),
    }),
  });

  const AuthPayload = builder.objectRef<{ pair: TokenPair; userId: string }>('AuthPayload').implement({
    fields: (t) => ({
      accessToken: t.string({ resolve: (p) => p.pair.access_token }),
      refreshToken: t.string({ resolve: (p) => p.pair.refresh_token }),
      expiresIn: t.int({ resolve: (p) => p.pair.expires_in }),
      user: t.field({
        type: 'User',
        resolve: async (p, _args, ctx) => {
          const user = await userLoader(ctx, db).load(p.userId);
          if (!user) throw new AppError('NOT_FOUND', 'The account does not exist.');
          // The row object is this request's own (its loader's), so the mark does not outlive it.
          signedInAs.add(user);
          return user;
        },
      }),
    }),
  });
  const payload = async (pair: TokenPair) => ({
    pair,
    userId: (await auth.tokens.verify(pair.access_token)).sub,
  });
  const client = (ctx: GraphqlContext) => ({
    ip: ctx.request.ip,
    userAgent: ctx.request.headers['user-agent'],
  });

  const RegisterInput = builder.inputType('RegisterInput', {
    fields: (t) => ({
      email: t.string({ required: true }),
      password: t.string({ required: true }),
      name: t.string({ required: false }),
    }),
  });

  builder.queryFields((t) => ({
    me: t.field({
      type: 'User',
      nullable: true,
      description: 'The caller; null when anonymous.',
      resolve: async (_root, _args, ctx) => {
        const principal = await ctx.principal();
        return principal ? ((await userLoader(ctx, db).load(principal.account.id)) ?? null) : null;
      },
    }),
  }));

  builder.mutationFields((t) => ({
    register: t.field({
      type: AuthPayload,
      args: { input: t.arg({ type: RegisterInput, required: true }) },
      description: 'POST /v1/auth/register, then the password grant of POST /v1/auth/token.',
      resolve: async (_root, { input }, ctx) => {
        const body = {
          email: input.email,
          password: input.password,
          ...(input.name ? { name: input.name } : {}),
        };
        assertValid(RegisterBody, body, 'input');
        await createAccount(accountsRt, body).catch((error: unknown) => {
          throw renameFields(error);
        });
        return payload(
          await grant(() =>
            passwordGrant(auth, { username: input.email, password: input.password }, client(ctx)),
          ),
        );
      },
    }),
    login: t.field({
      type: AuthPayload,
      args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
      resolve: async (_root, args, ctx) =>
        payload(
          await grant(() =>
            passwordGrant(auth, { username: args.email, password: args.password }, client(ctx)),
          ),
        ),
    }),
    refreshToken: t.field({
      type: AuthPayload,
      args: { refreshToken: t.arg.string({ required: true }) },
      resolve: async (_root, args) => payload(await grant(() => refreshGrant(auth, args.refreshToken))),
    }),
  }));
}

/** The REST service names fields `/body/password`; GraphQL clients sent them as `input.password`. */
function renameFields(error: unknown): unknown {
  if (!(error instanceof AppError) || !error.errors) return error;
  return new AppError(error.code, error.message, {
    errors: error.errors.map((e) => ({
      ...e,
      path: e.path.replace(/^\/body\//, 'input.').replaceAll('/', '.'),
    })),
  });
}
