import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { signUp, type TestUser } from '../helpers/auth.ts';
import { fixture, upload } from './helpers.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await buildTestApp(QUICK_AUTH_ENV);
  alice = await signUp(t);
  bob = await signUp(t);
  expect((await upload(t, alice.headers, 'alice-model', fixture('linear'))).statusCode).toBe(201);
  expect((await upload(t, bob.headers, 'bob-model', fixture('linear'))).statusCode).toBe(201);
});
afterAll(() => t.close());

const files = async () => readdir(path.join(t.config.storageDir, 'models'));

describe('an account’s models', () => {
  it('are listed in its export, with their versions and signatures', async () => {
    const res = await t.app.inject({ url: `/v1/accounts/${alice.id}/export`, headers: alice.headers });
    expect(res.statusCode).toBe(200);
    const { models } = res.json().sections;
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ name: 'alice-model', owner_id: alice.id, versions: [{ version: 1 }] });
  });

  it('go with the account: rows at once, files once the deletion committed; others stay', async () => {
    expect(await files()).toHaveLength(2);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${alice.id}`,
      headers: alice.headers,
    });
    expect(res.statusCode, res.body).toBe(204);
    expect((await t.app.inject({ url: '/v1/models/alice-model', headers: bob.headers })).statusCode).toBe(
      404,
    );
    await t.app.ctx.worker.drain();
    expect(await files()).toHaveLength(1);
    expect((await t.app.inject({ url: '/v1/models/bob-model', headers: bob.headers })).statusCode).toBe(200);
  });
});
