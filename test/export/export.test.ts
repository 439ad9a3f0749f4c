// GET /v1/accounts/{id}/export: who may call it, what the document holds, and that no secret is in it.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { accountTokens, linkedIdentities, mailMessages } from '../../src/db/schema/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { bearer, cookieLogin, passwordGrant, signUp, type TestUser } from '../helpers/auth.ts';
import { createKeyFor } from '../accounts/setup.ts';
import { buildExportApp } from './setup.ts';

let t: TestApp;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;
let apiKey: string;
let cookie: string;
const exportOf = (id: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: `/v1/accounts/${id}/export`, headers });

beforeAll(async () => {
  t = await buildExportApp();
  admin = await signUp(t, { admin: true });
  alice = await signUp(t);
  bob = await signUp(t);
  apiKey = await createKeyFor(t, alice.token);
  cookie = (await cookieLogin(t, alice.email)).cookie;
  const db = t.db.database.db;
  await db
    .insert(linkedIdentities)
    .values({ id: newId(), accountId: alice.id, provider: 'github', subject: '4242', email: alice.email });
  await db.insert(accountTokens).values({
    id: newId(),
    accountId: alice.id,
    purpose: 'verify_email',
    tokenHash: 'a'.repeat(64),
    email: alice.email,
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  await db.insert(mailMessages).values([
    {
      id: newId(),
      to: alice.email.toUpperCase(),
      subject: 'Verify your email',
      text: 'https://x/verify?token=SECRET-TOKEN',
      html: '<a>SECRET-TOKEN</a>',
      template: 'verify-email',
      status: 'outbox',
    },
    { id: newId(), to: bob.email, subject: 'For Bob', text: 'bob', template: 'verify-email' },
  ]);
});
afterAll(() => t?.close());

describe('who may export', () => {
  const cases: [string, () => Record<string, string>, () => string, number][] = [
    ['the account itself', () => alice.headers, () => alice.id, 200],
    ['itself, with an API key', () => ({ 'x-api-key': apiKey }), () => alice.id, 200],
    ['an admin, any account', () => admin.headers, () => alice.id, 200],
    ['someone else', () => bob.headers, () => alice.id, 404],
    ['no credential', () => ({}), () => alice.id, 401],
    ['a wrong credential', () => bearer('not-a-jwt'), () => alice.id, 401],
    ['an admin, an account that does not exist', () => admin.headers, () => newId(), 404],
    ['an admin, a malformed id', () => admin.headers, () => 'not-a-uuid', 422],
  ];
  it.each(cases)('%s → %i', async (_name, headers, id, status) => {
    const res = await exportOf(id(), headers());
    expect(res.statusCode, res.body).toBe(status);
    if (status !== 200) expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('refuses an admin token without the admin scope for someone else (404), and one without accounts:read (403)', async () => {
    const narrowed = await passwordGrant(t, admin.email, admin.password, 'accounts:read');
    expect((await exportOf(alice.id, bearer(narrowed.accessToken))).statusCode).toBe(404);
    const writeOnly = await passwordGrant(t, alice.email, alice.password, 'accounts:write');
    expect((await exportOf(alice.id, bearer(writeOnly.accessToken))).statusCode).toBe(403);
  });
});

describe('the document', () => {
  let res: Awaited<ReturnType<typeof exportOf>>;
  let doc: any;
  beforeAll(async () => {
    res = await exportOf(alice.id, alice.headers);
    doc = res.json();
  });

  it('is an attachment that no cache keeps', () => {
    expect(res.headers['content-disposition']).toBe(`attachment; filename="bulwark-export-${alice.id}.json"`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('holds the profile, sessions, keys, links, mail tokens and mail of the account', () => {
    expect(doc).toMatchObject({ format: 'bulwark.account-export', version: 1, account_id: alice.id });
    expect(Date.parse(doc.exported_at)).toBeGreaterThan(Date.now() - 60_000);
    const { sections } = doc;
    expect(Object.keys(sections)).toEqual(
      expect.arrayContaining([
        'account',
        'sessions',
        'api_keys',
        'linked_identities',
        'email_tokens',
        'mail',
      ]),
    );
    expect(sections.account).toMatchObject({ id: alice.id, email: alice.email, roles: ['user'] });
    expect(sections.sessions.map((s: any) => s.kind)).toEqual(expect.arrayContaining(['cookie', 'token']));
    expect(sections.sessions[0]).toMatchObject({
      id: expect.any(String),
      created_at: expect.any(String),
      expires_at: expect.any(String),
      revoked_at: null,
    });
    expect(sections.api_keys).toEqual([
      expect.objectContaining({ name: 'test key', prefix: apiKey.split('_')[1], revoked_at: null }),
    ]);
    expect(sections.linked_identities).toEqual([
      expect.objectContaining({ provider: 'github', subject: '4242', email: alice.email }),
    ]);
    // Registration may have sent a verification mail of its own: the rows inserted here are among them.
    expect(sections.email_tokens).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ purpose: 'verify_email', email: alice.email, used_at: null }),
      ]),
    );
    // Alice's mail, matched without regard to case, without its body; none of Bob's.
    expect(sections.mail).toEqual(
      expect.arrayContaining([
        {
          id: expect.any(String),
          to: alice.email.toUpperCase(),
          subject: 'Verify your email',
          template: 'verify-email',
          status: 'outbox',
          created_at: expect.any(String),
          sent_at: null,
        },
      ]),
    );
    for (const mail of sections.mail) {
      expect(mail.to.toLowerCase()).toBe(alice.email.toLowerCase());
      expect(Object.keys(mail).sort()).toEqual([
        'created_at',
        'id',
        'sent_at',
        'status',
        'subject',
        'template',
        'to',
      ]);
    }
  });

  it('holds no password, token or secret hash, nor any secret, anywhere', () => {
    // The secret is everything after `bwk_<prefix>_`: base64url may itself contain `_`.
    const secrets = [
      apiKey,
      apiKey.slice(apiKey.indexOf('_', 4) + 1),
      alice.token,
      alice.refreshToken,
      ...cookie.split('; ').map((c) => c.split('=')[1]!),
      'a'.repeat(64),
      'SECRET-TOKEN',
    ].filter((secret) => secret.length >= 8);
    const walk = (value: unknown, path: string): void => {
      if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}/${i}`));
      if (value && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          expect(key, `${path}/${key}`).not.toMatch(/hash|secret|password/i);
          walk(v, `${path}/${key}`);
        }
        return;
      }
      if (typeof value !== 'string') return;
      expect(value, path).not.toMatch(/\$argon2|^\$2[abxy]\$|^\$[56]\$|^\$pbkdf2|^(pbkdf2|scrypt):/);
      for (const secret of secrets) expect(value, path).not.toContain(secret);
    };
    walk(doc, '');
    expect(res.body).not.toMatch(/\$argon2id\$/);
  });

  it('is the same for an admin', async () => {
    const byAdmin = (await exportOf(alice.id, admin.headers)).json();
    expect({ ...byAdmin, exported_at: null }).toEqual({ ...doc, exported_at: null });
  });
});

it('is in the OpenAPI document, which stays valid', async () => {
  const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect((await new Validator().validate(document)).errors ?? []).toEqual([]);
  const operation = document.paths['/v1/accounts/{id}/export']?.get;
  expect(operation).toMatchObject({ tags: ['accounts'], summary: expect.any(String) });
  expect(operation.security.length).toBeGreaterThanOrEqual(4);
  expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
});
