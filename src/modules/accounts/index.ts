// The accounts module's public surface: the module plugin, account creation (self-registration goes
// through it), the account view and schemas, and the record look-ups sign-in and recovery need.
export { accountsModule, type AccountsDeps } from './accounts.module.ts';
export { createAccount, type AccountsRuntime } from './accounts.service.ts';
export { Account, UserEnvelope } from './accounts.schemas.ts';
export { toAccountView } from './accounts.view.ts';
export { importAccounts } from './accounts.import.ts';
export type * from './accounts.import.ts';
export {
  findByEmail,
  findByEmailPrepared,
  findById,
  findByIdForUpdate,
  insert,
  update,
  type AccountRow,
  type NewAccountRow,
} from './accounts.repository.ts';
