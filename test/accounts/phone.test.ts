// Phone numbers: E.164 and 000's 123-456-7890 both accepted; a search finds either spelling of a number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalPhone } from '../../src/modules/accounts/phone.ts';
import { signUp, uniqueEmail, type TestUser } from '../helpers/auth.ts';
import { buildAccountsApp, type AccountsTestApp } from './setup.ts';

let t: AccountsTestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildAccountsApp();
  admin = await signUp(t, { admin: true });
});
afterAll(() => t?.close());

async function create(phone: string | undefined) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: admin.headers,
    payload: { email: uniqueEmail('phone'), password: 'a-g00d-passphrase', phone_number: phone },
  });
}

describe('phone_number', () => {
  it.each(['123-456-7890', '+441234567890', '+11234567890', '+123456789012345', '+49301234'])(
    'accepts %s and keeps it as written',
    async (phone) => {
      const res = await create(phone);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().phone_number).toBe(phone);
    },
  );

  it.each([
    ['no plus', '441234567890'],
    ['a leading 0 country code', '+0441234567'],
    ['16 digits', '+1234567890123456'],
    ['7 digits', '+1234567'],
    ['spaces', '+44 1234 567890'],
    ['dashes elsewhere', '12-3456-7890'],
    ['a NUL', '+44123\u00004567'],
  ])('refuses %s: 422 naming the field', async (_name, phone) => {
    const res = await create(phone);
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(res.json().errors)).toContain('/body/phone_number');
  });

  it('a search finds either spelling of the same number (10-digit NANP = +1)', async () => {
    const made: Record<string, string> = {};
    for (const [key, phone] of [
      ['dashed', '555-010-0001'],
      ['e164', '+15550100001'],
      ['other', '+445550100001'],
      ['near', '555-010-0002'],
    ] as const) {
      made[key] = (await create(phone)).json().id;
    }
    const found = async (phone: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/accounts/search',
        headers: admin.headers,
        payload: { phone_number: phone, sorting: { order_by: 'created_at', sort_direction: 'ascending' } },
      });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as { id: string }[]).map((a) =>
        Object.keys(made).find((k) => made[k] === a.id),
      );
    };
    expect(await found('555-010-0001')).toEqual(['dashed', 'e164']);
    expect(await found('+15550100001')).toEqual(['dashed', 'e164']);
    expect(await found('+445550100001')).toEqual(['other']);
    expect(await found('+15550100003')).toEqual([]);
  });

  it('the canonical form the database generates is the one the search computes', async () => {
    for (const phone of [
      '123-456-7890',
      '+11234567890',
      '+441234567890',
      '000-000-0000',
      '+123456789012345',
    ]) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/v1/accounts/${admin.id}`,
        headers: admin.headers,
        payload: { phone_number: phone },
      });
      expect(res.statusCode, res.body).toBe(200);
      const [row] = await t.db.database.query<{ e164: string | null }>(
        'select phone_e164 as e164 from accounts where id = $1',
        [admin.id],
      );
      expect(row?.e164).toBe(canonicalPhone(phone));
      expect(row?.e164).toMatch(/^\+[1-9]\d{7,14}$/);
    }
  });
});
