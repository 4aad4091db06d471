import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../src/ledger/append-event.js';
import { Client, sampleOrg, startTestApp, type TestApp } from './support/app.js';

/**
 * Every API route × every kind of caller → the status it must get. The table is written
 * out by hand (not derived from the routes' declarations, which would prove nothing), and
 * the first test fails if a route exists that the table does not cover.
 */
const roles = [
  'anonymous',
  'user',
  'editorOfOther',
  'editor',
  'owner',
  'auditor',
  'admin',
] as const;
type Role = (typeof roles)[number];

interface Fixture {
  orgId: string;
  invitationId: string; // an open invitation of the charity, for the owner to withdraw
  editorId: string;
  inviteForCaller: string | undefined; // an open invitation addressed to the caller
}

interface Case {
  route: string; // "METHOD /url/pattern" exactly as registered
  orgStatus?: 'pending' | 'verified' | 'rejected';
  path?: (f: Fixture) => string;
  body?: () => unknown;
  expect: Record<Role, number>;
}

const all = (status: number): Record<Role, number> =>
  Object.fromEntries(roles.map((r) => [r, status])) as Record<Role, number>;
const only = (allowed: Partial<Record<Role, number>>, denied = 403): Record<Role, number> => ({
  ...all(denied),
  anonymous: 401,
  ...allowed,
});
const signedIn = (status: number, overrides: Partial<Record<Role, number>> = {}) => ({
  ...all(status),
  anonymous: 401,
  ...overrides,
});

let n = 0;
const cases: Case[] = [
  { route: 'GET /api/auth/session', expect: all(200) },
  {
    route: 'POST /api/auth/sign-up',
    body: () => ({
      email: `matrix${++n}@example.org`,
      password: 'correct horse battery',
      displayName: 'M',
    }),
    expect: all(201),
  },
  {
    route: 'POST /api/auth/sign-in',
    body: () => ({ email: 'throwaway@example.org', password: 'correct horse battery' }),
    expect: all(200),
  },
  { route: 'POST /api/auth/sign-out', expect: signedIn(204) },
  { route: 'GET /api/orgs', expect: all(200) },
  {
    route: 'POST /api/orgs',
    body: () => sampleOrg(`matrix${++n}`),
    expect: signedIn(201, { auditor: 403 }),
  },
  { route: 'GET /api/orgs/:orgId', expect: all(200) },
  {
    route: 'GET /api/orgs/:orgId',
    orgStatus: 'pending',
    expect: { ...all(200), anonymous: 404, user: 404, editorOfOther: 404 },
  },
  {
    route: 'PATCH /api/orgs/:orgId',
    body: () => ({ city: 'Dali' }),
    expect: only({ editor: 200, owner: 200 }),
  },
  { route: 'POST /api/orgs/:orgId/resubmit', orgStatus: 'rejected', expect: only({ owner: 200 }) },
  {
    route: 'GET /api/orgs/:orgId/reviews',
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'GET /api/orgs/:orgId/members',
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'POST /api/orgs/:orgId/invitations',
    body: () => ({ email: `invitee${++n}@example.org`, role: 'editor' }),
    expect: only({ owner: 201 }),
  },
  {
    route: 'DELETE /api/orgs/:orgId/invitations/:invitationId',
    path: (f) => `/api/orgs/${f.orgId}/invitations/${f.invitationId}`,
    expect: only({ owner: 204 }),
  },
  {
    route: 'DELETE /api/orgs/:orgId/members/:userId',
    path: (f) => `/api/orgs/${f.orgId}/members/${f.editorId}`,
    expect: only({ owner: 204 }),
  },
  { route: 'GET /api/me/orgs', expect: signedIn(200) },
  { route: 'GET /api/me/invitations', expect: signedIn(200) },
  {
    route: 'POST /api/me/invitations/:invitationId/accept',
    path: (f) => `/api/me/invitations/${f.inviteForCaller ?? randomUUID()}/accept`,
    expect: signedIn(200, { auditor: 403 }),
  },
  { route: 'GET /api/admin/orgs', expect: only({ auditor: 200, admin: 200 }) },
  { route: 'GET /api/log', expect: all(200) },
  { route: 'GET /api/log/entries', expect: all(200) },
  { route: 'GET /api/log/entries/:index', path: () => '/api/log/entries/0', expect: all(200) },
  {
    route: 'GET /api/log/proofs/inclusion',
    path: () => '/api/log/proofs/inclusion?index=0',
    expect: all(200),
  },
  {
    route: 'GET /api/log/proofs/consistency',
    path: () => '/api/log/proofs/consistency?from=0',
    expect: all(200),
  },
  {
    route: 'GET /api/log/receipts/:eventId',
    path: () => `/api/log/receipts/${loggedEventId}`,
    expect: all(200),
  },
  {
    route: 'POST /api/admin/orgs/:orgId/verify',
    orgStatus: 'pending',
    expect: only({ admin: 200 }),
  },
  {
    route: 'POST /api/admin/orgs/:orgId/reject',
    orgStatus: 'pending',
    body: () => ({ reason: 'Documents are missing.' }),
    expect: only({ admin: 200 }),
  },
];

let t: TestApp;
const emails: Record<Exclude<Role, 'anonymous'>, string> = {
  user: 'user@matrix.test',
  editorOfOther: 'other-editor@matrix.test',
  editor: 'editor@matrix.test',
  owner: 'owner@matrix.test',
  auditor: 'auditor@matrix.test',
  admin: 'admin@matrix.test',
};
const ids = {} as Record<Exclude<Role, 'anonymous'>, string>;
let otherOrgId: string;
let loggedEventId = '';

beforeAll(async () => {
  t = await startTestApp();
  for (const [role, email] of Object.entries(emails)) {
    const c = await new Client(t.app).signUp(email);
    ids[role as keyof typeof ids] = c.userId!;
  }
  await new Client(t.app).signUp('throwaway@example.org');
  const db = t.database.db;
  await db
    .updateTable('users')
    .set({ platform_role: 'admin' })
    .where('id', '=', ids.admin)
    .execute();
  await db
    .updateTable('users')
    .set({ platform_role: 'auditor' })
    .where('id', '=', ids.auditor)
    .execute();
  otherOrgId = await insertOrg('verified');
  await db
    .insertInto('org_members')
    .values({ org_id: otherOrgId, user_id: ids.editorOfOther, role: 'editor' })
    .execute();
  // One event on the log, for the log routes to show.
  loggedEventId = await appendEvent(db, {
    type: 'test.matrix',
    v: 1,
    at: new Date().toISOString(),
    data: {},
  });
  while (!(await db.selectFrom('ledger_entries').select('idx').executeTakeFirst())) {
    await new Promise((r) => setTimeout(r, 10));
  }
});
afterAll(() => t.close());

async function insertOrg(status: 'pending' | 'verified' | 'rejected'): Promise<string> {
  const o = sampleOrg(`fixture${++n}`);
  const { id } = await t.database.db
    .insertInto('orgs')
    .values({
      name: o.name,
      registration_number: o.registrationNumber,
      city: o.city,
      cause: o.cause,
      contact_email: o.contactEmail,
      description: o.description,
      status,
      rejection_reason: status === 'rejected' ? 'Missing documents' : null,
      created_by: ids.owner,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** A fresh charity per request, so one request's effect never decides another's status. */
async function fixture(c: Case, role: Role): Promise<Fixture> {
  const db = t.database.db;
  const orgId = await insertOrg(c.orgStatus ?? 'verified');
  await db
    .insertInto('org_members')
    .values([
      { org_id: orgId, user_id: ids.owner, role: 'owner' },
      { org_id: orgId, user_id: ids.editor, role: 'editor' },
    ])
    .execute();
  const invite = (email: string, org = orgId) =>
    db
      .insertInto('org_invitations')
      .values({ org_id: org, email, role: 'editor', invited_by: ids.owner })
      .returning('id')
      .executeTakeFirstOrThrow();
  const { id: invitationId } = await invite(`pending${++n}@example.org`);
  let inviteForCaller: string | undefined;
  if (role !== 'anonymous') {
    const elsewhere = await insertOrg('verified');
    inviteForCaller = (await invite(emails[role], elsewhere)).id;
  }
  return { orgId, invitationId, editorId: ids.editor, inviteForCaller };
}

async function clientFor(role: Role): Promise<Client> {
  const c = new Client(t.app);
  if (role !== 'anonymous') await c.signIn(emails[role]);
  return c;
}

describe('the route × role matrix', () => {
  it('covers every API route the server registers', () => {
    const registered = new Set(t.app.routeAccess.map((r) => `${r.method} ${r.url}`));
    const covered = new Set(cases.map((c) => c.route));
    expect([...registered].filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((r) => !registered.has(r))).toEqual([]);
  });

  for (const c of cases) {
    const label = `${c.route}${c.orgStatus ? ` (charity ${c.orgStatus})` : ''}`;
    it(label, async () => {
      const got: Record<string, number> = {};
      for (const role of roles) {
        const f = await fixture(c, role);
        const client = await clientFor(role);
        const [method, pattern] = c.route.split(' ') as [string, string];
        const url = c.path ? c.path(f) : pattern.replace(':orgId', f.orgId);
        const res = await client.request(method as 'GET', url, c.body?.());
        got[role] = res.statusCode;
      }
      expect(got).toEqual(c.expect);
    });
  }
});
