import type { Static } from 'typebox';
import { isUniqueViolation } from '../../core/db/errors.ts';
import { conflict, forbidden, notFound, validationFailed } from '../../core/errors/app-error.ts';
import { newId } from '../../core/ids.ts';
import { ROLES, type Role } from '../../db/schema/accounts.ts';
import type { Db } from '../../core/db/database.ts';
import type { DomainEventHooks } from '../../core/events.ts';
import type { PasswordHasher } from '../../core/passwords/password-hasher.ts';
import { assertPasswordPolicy } from '../../core/passwords/password-policy.ts';
import {
  actsAsAdmin,
  canActFor,
  reauthenticationRequired,
  type Principal,
  type Reauthenticate,
} from '../../core/principal.ts';
import * as repo from './accounts.repository.ts';
import type { CreateAccountBody, UpdateAccountBody } from './accounts.schemas.ts';

/** What the account services need, passed in by the composition root. */
export interface AccountsRuntime {
  readonly db: Db;
  readonly events: DomainEventHooks;
  readonly hasher: Pick<PasswordHasher, 'hash'>;
  /** Drops cached credential state after a committed change (the auth module's `forgetAccount`). */
  readonly forgetAccount: (accountId: string) => void;
  /** Asks for the password again before an email change (the auth module's `reauthenticate`). */
  readonly reauthenticate: Reauthenticate;
}

export type CreateAccountInput = Static<typeof CreateAccountBody>;
export type UpdateAccountInput = Static<typeof UpdateAccountBody>;

const EMAIL_TAKEN = 'An account with this email already exists.';
const LAST_ADMIN = 'This is the last active admin account; make another account an admin first.';

// The latest calendar date anywhere on Earth (UTC+14): someone born "today" there is not in the future here.
const latestToday = () => new Date(Date.now() + 14 * 3_600_000).toISOString().slice(0, 10);

/** 422 unless the birth date lies between 1900-01-01 and today (PostgreSQL rejects some years the format allows). */
export function assertBirthDate(value: string | null | undefined): void {
  if (value === null || value === undefined) return;
  if (value < '1900-01-01' || value > latestToday()) {
    throw validationFailed([
      { path: '/body/date_of_birth', message: 'must be between 1900-01-01 and today' },
    ]);
  }
}

const canonicalRoles = (roles: readonly Role[]): Role[] => ROLES.filter((r) => roles.includes(r));
const isActiveAdmin = (a: { isActive: boolean; roles: readonly Role[] }) =>
  a.isActive && a.roles.includes('admin');

/** Creates an account for an admin: the password policy applies, and a taken email is 409. */
export async function createAccount(
  rt: AccountsRuntime,
  input: CreateAccountInput,
): Promise<repo.AccountRow> {
  assertPasswordPolicy(input.password);
  assertBirthDate(input.date_of_birth);
  const passwordHash = await rt.hasher.hash(input.password);
  try {
    return await rt.db.transaction(async (tx) => {
      const account = await repo.insert(tx, {
        id: newId(),
        email: input.email.trim(),
        name: input.name ?? null,
        firstName: input.first_name ?? null,
        middleName: input.middle_name ?? null,
        lastName: input.last_name ?? null,
        phoneNumber: input.phone_number ?? null,
        dateOfBirth: input.date_of_birth ?? null,
        isActive: input.is_active ?? true,
        roles: canonicalRoles(input.roles ?? ['user']),
        passwordHash,
      });
      // Same hook as self-registration, so the new owner gets the verification mail.
      await rt.events.emit(tx, 'account.registered', {
        accountId: account.id,
        email: account.email!,
        name: account.name,
      });
      return account;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(EMAIL_TAKEN);
    throw error;
  }
}

/** The account, for itself or an admin; anyone else's is 404 so its existence is not revealed. */
export async function getAccount(
  rt: AccountsRuntime,
  principal: Principal,
  id: string,
): Promise<repo.AccountRow> {
  const account = canActFor(principal, id) ? await repo.findById(rt.db, id) : undefined;
  if (!account) throw notFound('account');
  return account;
}

/**
 * What a PATCH changes, and whether existing access tokens must stop working because of it. `selfService`:
 * the account changes itself, so a new email address waits for its confirmation (`pendingEmail`).
 */
function planUpdate(current: repo.AccountRow, input: UpdateAccountInput, selfService: boolean) {
  const values: Partial<repo.NewAccountRow> = {};
  if (input.name !== undefined) values.name = input.name;
  if (input.first_name !== undefined) values.firstName = input.first_name;
  if (input.middle_name !== undefined) values.middleName = input.middle_name;
  if (input.last_name !== undefined) values.lastName = input.last_name;
  if (input.phone_number !== undefined) values.phoneNumber = input.phone_number;
  if (input.date_of_birth !== undefined) values.dateOfBirth = input.date_of_birth;
  // A change of case only is the same mailbox: applied at once and kept verified.
  const emailChanged = isEmailChange(current, input);
  const pendingEmail = emailChanged && selfService ? input.email!.trim() : undefined;
  if (input.email !== undefined && !pendingEmail) values.email = input.email.trim();
  if (emailChanged && !pendingEmail) values.emailVerified = false;
  const roles = input.roles && canonicalRoles(input.roles);
  const rolesChanged = roles !== undefined && roles.join() !== canonicalRoles(current.roles).join();
  if (rolesChanged) values.roles = roles;
  const activeChanged = input.is_active !== undefined && input.is_active !== current.isActive;
  if (activeChanged) values.isActive = input.is_active;
  const revokesTokens = (emailChanged && !pendingEmail) || rolesChanged || activeChanged;
  if (revokesTokens) values.tokensValidAfter = new Date();
  const after = { isActive: values.isActive ?? current.isActive, roles: values.roles ?? current.roles };
  return {
    values,
    emailChanged,
    pendingEmail,
    privileged: rolesChanged || activeChanged,
    revokesTokens,
    deactivates: activeChanged && input.is_active === false,
    losesAdmin: isActiveAdmin(current) && !isActiveAdmin(after),
  };
}

/** The PATCH moves the account to another mailbox (not a mere change of case). */
const isEmailChange = (current: repo.AccountRow, input: UpdateAccountInput): boolean =>
  input.email !== undefined && input.email.trim().toLowerCase() !== current.email?.toLowerCase();

/**
 * Partial update by the account itself or an admin. Only admins change roles or `is_active` (sending the
 * current value is not a change); roles, activity and email changes refuse the access tokens issued
 * before; deactivation also ends every session. A new email address needs the caller's password again
 * (`current_password`, or a fresh credential; see `Reauthenticate`), since any one credential may be
 * stolen: the account's own change waits for the new address to confirm a mailed link
 * (`account.email_change_requested`, which recovery answers with the link and a notice to the old
 * address); an admin's change of another account applies at once, unverified
 * (`account.email_changed`: the old address is told). A taken address is 409.
 */
export async function updateAccount(
  rt: AccountsRuntime,
  principal: Principal,
  id: string,
  input: UpdateAccountInput,
  client: { readonly ip: string },
): Promise<repo.AccountRow> {
  if (!canActFor(principal, id)) throw notFound('account');
  assertBirthDate(input.date_of_birth);
  const selfService = principal.account.id === id;
  const before = input.email === undefined ? undefined : await repo.findById(rt.db, id);
  // The password is checked (a slow hash) before the transaction, and the plan made inside it again.
  const passwordChecked = before !== undefined && isEmailChange(before, input);
  if (passwordChecked) await rt.reauthenticate(principal, input.current_password, client.ip);
  const mayTouchAdmins = input.roles !== undefined || input.is_active === false;
  let result: { row: repo.AccountRow; revokesTokens: boolean };
  try {
    result = await rt.db.transaction(async (tx) => {
      // Admin rows are locked before the account's own row, in one order everywhere, to avoid deadlocks.
      const admins = mayTouchAdmins ? await repo.lockActiveAdminIds(tx) : [];
      const current = await repo.findByIdForUpdate(tx, id);
      if (!current?.email) throw notFound('account');
      const plan = planUpdate(current, input, selfService);
      if (plan.privileged && !actsAsAdmin(principal))
        throw forbidden('Only an admin may change roles or is_active.');
      // The address changed between the check and the lock: the check did not see this change.
      if (plan.emailChanged && !passwordChecked) throw reauthenticationRequired();
      if (plan.losesAdmin) assertAnotherAdmin(admins, id);
      const row = Object.keys(plan.values).length > 0 ? await repo.update(tx, id, plan.values) : current;
      if (plan.deactivates) await rt.events.emit(tx, 'account.deactivated', { accountId: id });
      const previous = { accountId: id, email: current.email, name: row!.name };
      if (plan.pendingEmail) {
        await rt.events.emit(tx, 'account.email_change_requested', {
          ...previous,
          newEmail: plan.pendingEmail,
        });
      } else if (plan.emailChanged) {
        const changed = {
          accountId: id,
          previousEmail: current.email,
          newEmail: row!.email!,
          name: row!.name,
        };
        await rt.events.emit(tx, 'account.email_changed', { ...changed, byAdmin: true });
      }
      return { row: row!, revokesTokens: plan.revokesTokens };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(EMAIL_TAKEN);
    throw error;
  }
  // After the commit (deactivation implies revokesTokens), never inside the transaction.
  if (result.revokesTokens) rt.forgetAccount(id);
  return result.row;
}

function assertAnotherAdmin(lockedAdminIds: readonly string[], id: string): void {
  if (!lockedAdminIds.some((adminId) => adminId !== id)) throw conflict(LAST_ADMIN);
}

/**
 * Deletes an account in one transaction: erases its personal data (leaving a tombstone) and emits
 * `account.deleted`, on which every module erases what it holds (sessions, API keys, links, mail, …).
 */
export async function deleteAccount(rt: AccountsRuntime, principal: Principal, id: string): Promise<void> {
  if (!canActFor(principal, id)) throw notFound('account');
  await rt.db.transaction(async (tx) => {
    const admins = await repo.lockActiveAdminIds(tx);
    const current = await repo.findByIdForUpdate(tx, id);
    if (!current) throw notFound('account');
    if (admins.includes(id)) assertAnotherAdmin(admins, id);
    await repo.erase(tx, id);
    await rt.events.emit(tx, 'account.deleted', { accountId: id, email: current.email });
  });
  rt.forgetAccount(id);
}
