import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problemResponses } from '../../core/http/schemas.ts';
import { principalOf, SECURED, type Guard } from '../../core/principal.ts';
import { listAccounts, searchAccounts } from './accounts.queries.ts';
import {
  Account,
  AccountIdParam,
  AccountList,
  AccountSearchResult,
  CreateAccountBody,
  ListAccountsQuery,
  SearchAccountsBody,
  UpdateAccountBody,
} from './accounts.schemas.ts';
import {
  createAccount,
  deleteAccount,
  getAccount,
  updateAccount,
  type AccountsRuntime,
} from './accounts.service.ts';
import { toAccountView } from './accounts.view.ts';

const AccountRef = Type.Ref('Account');

/**
 * /v1/accounts: admins create, list, search, read, update and delete any account (`admin` scope); an
 * account reads itself with `accounts:read` and updates or deletes itself with `accounts:write`.
 */
export const accountsRoutes: FastifyPluginAsyncTypebox<{ rt: AccountsRuntime; guard: Guard }> = async (
  app,
  { rt, guard },
) => {
  const shared = [
    Account,
    CreateAccountBody,
    UpdateAccountBody,
    AccountList,
    SearchAccountsBody,
    AccountSearchResult,
  ];
  for (const schema of shared) app.addSchema(schema);
  const base = { tags: ['accounts'], security: SECURED };

  app.post(
    '/v1/accounts',
    {
      preHandler: guard({ scope: 'admin' }),
      schema: {
        ...base,
        summary: 'Create an account (admin)',
        body: CreateAccountBody,
        response: { 201: AccountRef, ...problemResponses(400, 401, 403, 409, 415, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(toAccountView(await createAccount(rt, request.body))),
  );

  app.get(
    '/v1/accounts',
    {
      preHandler: guard({ scope: 'admin' }),
      schema: {
        ...base,
        summary: 'List accounts in creation order (admin); ?email= finds one, case-insensitively',
        querystring: ListAccountsQuery,
        response: { 200: AccountList, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => listAccounts(rt.db, request.query),
  );

  app.post(
    '/v1/accounts/search',
    {
      preHandler: guard({ scope: 'admin' }),
      schema: {
        ...base,
        summary: 'Search accounts with filters, sorting and 1-based page numbers (admin)',
        body: SearchAccountsBody,
        response: { 200: AccountSearchResult, ...problemResponses(400, 401, 403, 415, 422) },
      },
    },
    async (request) => searchAccounts(rt.db, request.body),
  );

  app.get(
    '/v1/accounts/:id',
    {
      preHandler: guard({ scope: 'accounts:read' }),
      schema: {
        ...base,
        summary: 'Read an account (itself, or any as an admin)',
        params: AccountIdParam,
        response: { 200: AccountRef, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => toAccountView(await getAccount(rt, principalOf(request), request.params.id)),
  );

  app.patch(
    '/v1/accounts/:id',
    {
      preHandler: guard({ scope: 'accounts:write' }),
      schema: {
        ...base,
        summary:
          'Update an account partially (itself, or any as an admin; roles and is_active: admins only; a new email needs current_password or a fresh sign-in, and waits for its confirmation when changed by the account itself)',
        params: AccountIdParam,
        body: UpdateAccountBody,
        response: { 200: AccountRef, ...problemResponses(400, 401, 403, 404, 409, 415, 422, 429) },
      },
    },
    async (request) =>
      toAccountView(
        await updateAccount(rt, principalOf(request), request.params.id, request.body, { ip: request.ip }),
      ),
  );

  app.delete(
    '/v1/accounts/:id',
    {
      preHandler: guard({ scope: 'accounts:write' }),
      schema: {
        ...base,
        summary: 'Delete an account: end its sessions, revoke its API keys, erase its personal data',
        params: AccountIdParam,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await deleteAccount(rt, principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
