import type { AccountRow } from './accounts.repository.ts';

/** An account as the API shows it: never the password hash. */
export interface AccountView {
  id: string;
  email: string;
  name: string | null;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  phone_number: string | null;
  date_of_birth: string | null;
  is_active: boolean;
  roles: string[];
  email_verified: boolean;
  created_at: string;
  updated_at: string;
}

export function toAccountView(row: AccountRow): AccountView {
  return {
    id: row.id,
    email: row.email ?? '',
    name: row.name,
    first_name: row.firstName,
    middle_name: row.middleName,
    last_name: row.lastName,
    phone_number: row.phoneNumber,
    date_of_birth: row.dateOfBirth,
    is_active: row.isActive,
    roles: [...row.roles],
    email_verified: row.emailVerified,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
