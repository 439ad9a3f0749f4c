import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { groupInvitations, groupMembers, groups, mailMessages } from '../../src/db/schema/index.ts';
import type { RecommendForAccounts } from '../../src/modules/groups/index.ts';
import { QUICK_AUTH_ENV, type TestApp } from '../helpers/app.ts';
import { bearer, passwordGrant, PASSWORD, register, uniqueEmail } from '../helpers/auth.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { createSmtpSink, type SinkMessage } from '../helpers/smtp-sink.ts';

export const PUBLIC_URL = 'https://bulwark.example';

export interface GroupsTestApp extends TestApp {
  /** Runs queued jobs until none is due: queued mail then sits in the SMTP sink. */
  deliver(): Promise<void>;
  /** The invitation mails the real SMTP sink accepted for this address (not the welcome mail). */
  mailsTo(email: string): SinkMessage[];
  /** Delivers queued mail until `count` invitation mails reached this address (or 20 s pass: a loaded machine). */
  awaitMails(email: string, count: number): Promise<SinkMessage[]>;
  /** Rows of each groups table and of the mail outbox: "nothing written" is these staying put. */
  counts(): Promise<Record<string, number>>;
}

/**
 * The app (as test/helpers/app.ts builds it) with a real SMTP server behind SMTP_URL and, when given, an
 * in-process `recommendForAccounts` for the group recommendations route.
 */
export async function buildGroupsApp(
  options: { env?: Record<string, string>; recommendForAccounts?: RecommendForAccounts } = {},
): Promise<GroupsTestApp> {
  const sink = createSmtpSink();
  const { url } = await sink.start();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-groups-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    PUBLIC_URL,
    SMTP_URL: url,
    ...QUICK_AUTH_ENV,
    ...options.env,
  });
  const db = await createTestDatabase();
  const app = await buildApp({
    config,
    database: db.database,
    masterKey: randomBytes(32),
    startWorker: false,
    ...(options.recommendForAccounts ? { recommendForAccounts: options.recommendForAccounts } : {}),
  });
  await app.ready();
  const database = db.database.db;
  const mailsTo = (email: string) =>
    sink.messages.filter(
      (m) =>
        m.subject.includes(' invited you ') && m.to.some((to) => to.toLowerCase() === email.toLowerCase()),
    );
  return {
    app,
    config,
    db,
    async deliver() {
      for (let round = 0; round < 10; round++) if ((await app.ctx.worker.drain()) === 0) return;
    },
    mailsTo,
    async awaitMails(email, count) {
      const deadline = Date.now() + 20_000;
      while (mailsTo(email).length < count && Date.now() < deadline) {
        await app.ctx.worker.drain();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return mailsTo(email);
    },
    async counts() {
      const n = async (
        table: typeof groups | typeof groupMembers | typeof groupInvitations | typeof mailMessages,
      ) => (await database.select({ n: count() }).from(table))[0]!.n;
      return {
        groups: await n(groups),
        members: await n(groupMembers),
        invitations: await n(groupInvitations),
        mail: await n(mailMessages),
      };
    },
    async close() {
      await app.close();
      await db.destroy();
      await sink.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Person {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly headers: { authorization: string };
}

/** Registers a named account and signs it in. */
export async function person(t: TestApp, name: string): Promise<Person> {
  const email = uniqueEmail(name.toLowerCase());
  const id = await register(t, email, PASSWORD, name);
  const { accessToken } = await passwordGrant(t, email);
  return { id, email, name, headers: bearer(accessToken) };
}

type Headers = Record<string, string>;

/** The routes under test, one call each. */
export function client(t: TestApp) {
  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    headers: Headers,
    payload?: unknown,
  ) =>
    t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return {
    create: (h: Headers, body: unknown = { name: 'Movie night' }) => call('POST', '/v1/groups', h, body),
    get: (h: Headers, id: string) => call('GET', `/v1/groups/${id}`, h),
    list: (h: Headers, query = '') => call('GET', `/v1/groups${query}`, h),
    patch: (h: Headers, id: string, body: unknown) => call('PATCH', `/v1/groups/${id}`, h, body),
    remove: (h: Headers, id: string) => call('DELETE', `/v1/groups/${id}`, h),
    invite: (h: Headers, id: string, accountId: unknown) =>
      call('POST', `/v1/groups/${id}/invitations`, h, { account_id: accountId }),
    invitations: (h: Headers, id: string) => call('GET', `/v1/groups/${id}/invitations`, h),
    accept: (h: Headers, id: string, invitationId: string) =>
      call('PUT', `/v1/groups/${id}/invitations/${invitationId}`, h),
    refuse: (h: Headers, id: string, invitationId: string) =>
      call('DELETE', `/v1/groups/${id}/invitations/${invitationId}`, h),
    mine: (h: Headers, query = '') => call('GET', `/v1/me/invitations${query}`, h),
    recommendations: (h: Headers, id: string, query = '') =>
      call('GET', `/v1/groups/${id}/recommendations${query}`, h),
  };
}

/**
 * A group of `owner` with `member` joined (invited, accepted) and `invitee` invited but not yet answering.
 * Returns the group id and the pending invitation's id.
 */
export async function groupWith(
  t: TestApp,
  people: { owner: Person; member?: Person; invitee?: Person },
  body: unknown = { name: 'Movie night' },
): Promise<{ groupId: string; invitationId: string | undefined }> {
  const api = client(t);
  const created = await api.create(people.owner.headers, body);
  if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`);
  const groupId = created.json().id as string;
  if (people.member) {
    const invited = await api.invite(people.owner.headers, groupId, people.member.id);
    if (invited.statusCode !== 201) throw new Error(`invite: ${invited.statusCode} ${invited.body}`);
    const accepted = await api.accept(people.member.headers, groupId, invited.json().id);
    if (accepted.statusCode !== 200) throw new Error(`accept: ${accepted.statusCode} ${accepted.body}`);
  }
  let invitationId: string | undefined;
  if (people.invitee) {
    const invited = await api.invite(people.owner.headers, groupId, people.invitee.id);
    if (invited.statusCode !== 201) throw new Error(`invite: ${invited.statusCode} ${invited.body}`);
    invitationId = invited.json().id as string;
  }
  return { groupId, invitationId };
}
