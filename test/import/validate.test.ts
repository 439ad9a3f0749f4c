// Unit tests of the line validation: every rule, one row each, and the reason never quotes a value.
import { describe, expect, it } from 'vitest';
import fixtures from '../fixtures/password-hashes/hashes.json' with { type: 'json' };
import { isImportableArgon2id, parseImportLine } from '../../src/modules/accounts/import/validate.ts';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const BCRYPT = '$2b$10$5PaJB1OkGJgk5ChJc7KDi.J7ROo41GyDaEy2UdCJ.sjji13PSu0Hy';
const ARGON2ID =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$qL0ZC1qMCwD5x7nTKqQ2P8V9ZJpZ5wGv7PjM3yq2Yxs';
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ email: 'a@example.com', password_hash: BCRYPT, ...fields });
const parse = (text: string) => parseImportLine(text, NOW);

describe('parseImportLine', () => {
  it('accepts a full line and normalises it', () => {
    const parsed = parse(
      line({
        email: 'Ann.Lee@Example.COM',
        name: '  Ann Lee ',
        roles: ['user', 'admin', 'user'],
        created_at: '2020-02-29T23:30:00.123999+02:00',
        email_verified: true,
      }),
    );
    expect(parsed).toEqual({
      row: {
        key: 'ann.lee@example.com',
        email: 'Ann.Lee@Example.COM',
        name: 'Ann Lee',
        firstName: null,
        lastName: null,
        passwordHash: BCRYPT,
        roles: ['admin', 'user'],
        createdAt: '2020-02-29T21:30:00.123Z',
        emailVerified: true,
      },
    });
  });

  it('treats absent, null and empty optional fields as not given', () => {
    for (const text of [
      line({}),
      line({ name: null, roles: null, created_at: null, email_verified: null }),
      line({ name: '' }),
    ]) {
      expect(parse(text)).toMatchObject({
        row: { name: null, roles: null, createdAt: null, emailVerified: null },
      });
    }
  });

  // The Python systems' exports: FastAPI's `hashed_password`, Flask's `password_hash`, and profile names.
  it.each([
    ['FastAPI: hashed_password', { hashed_password: BCRYPT }, { passwordHash: BCRYPT }],
    ['both hash names, the same value', { hashed_password: BCRYPT, password_hash: BCRYPT }, {}],
    ['full_name', { full_name: ' Ann Lee ' }, { name: 'Ann Lee', firstName: null, lastName: null }],
    ['first and last', { first_name: 'Ann', last_name: 'Lee' }, { name: 'Ann Lee', firstName: 'Ann' }],
    ['first only', { first_name: 'Ann', last_name: '' }, { name: 'Ann', firstName: 'Ann', lastName: null }],
    ['last only', { last_name: 'Lee' }, { name: 'Lee', firstName: null, lastName: 'Lee' }],
    ['name wins over full_name', { name: 'Ann', full_name: 'Ann Lee' }, { name: 'Ann' }],
    ['full_name wins over the parts', { full_name: 'A. Lee', first_name: 'Ann' }, { name: 'A. Lee' }],
  ])('accepts %s', (_name, fields, row) => {
    const { password_hash: _hash, ...rest } = JSON.parse(line({})) as Record<string, unknown>;
    const text = JSON.stringify({
      ...rest,
      ...('hashed_password' in fields ? {} : { password_hash: BCRYPT }),
      ...fields,
    });
    expect(parse(text)).toMatchObject({ row: { passwordHash: BCRYPT, ...row } });
  });

  it.each([
    [
      'hashed_password in an unsupported format',
      { password_hash: undefined, hashed_password: 'hunter2' },
      /^hashed_password is not a supported format/,
    ],
    [
      'the two hash names differ',
      { hashed_password: BCRYPT.replace('5P', '6P') },
      /password_hash and hashed_password differ/,
    ],
    ['first_name over 100', { first_name: 'f'.repeat(101) }, /first_name is longer than 100/],
    ['full_name not a string', { full_name: 7 }, /full_name must be a string/],
  ])('rejects %s', (_name, fields, reason) => {
    expect(parse(line(fields)).reason).toMatch(reason);
  });

  it.each(fixtures.fixtures.map((f) => [f.id, f.hash]))('accepts the %s fixture hash', (_id, hash) => {
    expect(parse(line({ password_hash: hash }))).toHaveProperty('row');
  });

  it('accepts an argon2id hash within the verification bounds only', () => {
    expect(isImportableArgon2id(ARGON2ID)).toBe(true);
    expect(isImportableArgon2id(ARGON2ID.replace('m=19456', 'm=4294967295'))).toBe(false);
    expect(isImportableArgon2id(ARGON2ID.replace('t=2', 't=0'))).toBe(false);
    expect(isImportableArgon2id(ARGON2ID.replace('argon2id', 'argon2i'))).toBe(false);
  });

  it.each([
    ['blank line', '   ', /^blank line$/],
    ['not JSON', '{"email": ', /^not valid JSON$/],
    ['an array', '[1,2]', /^not a JSON object$/],
    ['null', 'null', /^not a JSON object$/],
    ['missing email', JSON.stringify({ password_hash: BCRYPT }), /email is required/],
    ['email not a string', line({ email: 42 }), /email must be a string/],
    ['bad email', line({ email: 'not-an-email' }), /email is not a valid address/],
    ['email without a dot in the domain', line({ email: 'a@localhost' }), /email is not a valid address/],
    ['non-ASCII email', line({ email: 'zoë@example.com' }), /email is not a valid address/],
    ['over-long email', line({ email: `${'a'.repeat(64)}@${'b'.repeat(190)}.com` }), /longer than 254/],
    ['over-long name', line({ name: 'n'.repeat(201) }), /name is longer than 200/],
    ['name not a string', line({ name: ['Ann'] }), /name must be a string/],
    [
      'missing hash',
      JSON.stringify({ email: 'a@example.com' }),
      /password_hash \(or hashed_password\) is required/,
    ],
    ['null hash', line({ password_hash: null }), /password_hash \(or hashed_password\) is required/],
    [
      'md5-crypt hash',
      line({ password_hash: '$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0' }),
      /not a supported format/,
    ],
    ['plain text password', line({ password_hash: 'hunter2' }), /not a supported format/],
    ['bcrypt $2x$', line({ password_hash: BCRYPT.replace('$2b$', '$2x$') }), /not a supported format/],
    [
      'bcrypt over cost 14',
      line({ password_hash: BCRYPT.replace('$10$', '$31$') }),
      /not a supported format/,
    ],
    ['unknown role', line({ roles: ['root'] }), /unknown role "root"/],
    ['empty roles', line({ roles: [] }), /roles must be a non-empty array/],
    ['roles not an array', line({ roles: 'admin' }), /roles must be a non-empty array/],
    ['future created_at', line({ created_at: '2024-06-01T12:00:01Z' }), /created_at is in the future/],
    [
      'created_at without zone',
      line({ created_at: '2020-01-01T00:00:00' }),
      /RFC 3339 timestamp with a time zone/,
    ],
    ['created_at a date only', line({ created_at: '2020-01-01' }), /RFC 3339/],
    ['created_at on 30 February', line({ created_at: '2021-02-30T00:00:00Z' }), /not a valid date/],
    ['created_at at 24:00', line({ created_at: '2021-02-03T24:00:00Z' }), /not a valid date/],
    ['created_at a number', line({ created_at: 1577836800 }), /created_at must be a string/],
    ['email_verified a string', line({ email_verified: 'yes' }), /email_verified must be true or false/],
    ['an unknown field', line({ emailVerified: true }), /unknown field "emailVerified"/],
  ])('rejects %s', (_name, text, reason) => {
    const parsed = parse(text);
    expect(parsed.reason).toMatch(reason);
    expect(parsed).not.toHaveProperty('row');
  });

  it('lists every problem of a line, and quotes neither a hash nor an address', () => {
    const parsed = parse(
      JSON.stringify({ email: 'x', password_hash: '$1$x', [BCRYPT]: 1, 'a@b.com': 2, roles: [BCRYPT] }),
    );
    expect(parsed.reason?.split('; ')).toHaveLength(5);
    expect(parsed.reason).not.toMatch(/\$|@/);
  });
});
