import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFinding } from '../src/audit/findings.js';
import { recordUpload } from '../src/files/queries.js';
import { appendEvent } from '../src/ledger/append-event.js';
import { currentSize } from '../src/ledger/read.js';
import { signSandboxCallback } from '../src/payments/sandbox.js';
import { createBeneficiary } from '../src/projects/beneficiaries.js';
import { createProject, type ProjectInput, publishProject } from '../src/projects/projects.js';
import { recordDisbursement } from '../src/spending/record-disbursement.js';
import { Client, sampleOrg, startTestApp, type TestApp, testSandboxSecret } from './support/app.js';
import { drainLog, projectBody, samplePdf, samplePng } from './support/money.js';

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
  money?: Money; // the charity's money objects, when the case `needs` them
  findingId?: string; // an open finding on the charity, when the case `needs` one
}

/** What a money route acts on, made for each request of the cases that need it. */
interface Money {
  projectId: string; // published
  draftId: string;
  budgetLineId: string;
  beneficiaryId: string;
  fileSha: string; // an uploaded evidence PDF
  donation: { id: string; token: string; providerRef: string }; // a paid guest donation
  pending: { id: string; token: string; providerRef: string }; // a guest donation not yet paid
  mine: { id: string; token: string } | undefined; // a paid monthly donation by the caller
  usersDonation: { id: string }; // a paid monthly donation by `user`
  ackCode: string; // of a disbursement not yet confirmed
}

interface Case {
  route: string; // "METHOD /url/pattern" exactly as registered
  orgStatus?: 'pending' | 'verified' | 'rejected';
  path?: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  headers?: (f: Fixture) => Record<string, string>;
  /** The money objects the request needs (projects, donations, a disbursement…), or a finding. */
  needs?: 'money' | 'finding';
  /** Wait for the log to sequence everything first (receipts answer 202 until then). */
  drain?: boolean;
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
    // Auditors write nothing but findings and their own session, on public routes too.
    expect: { ...all(201), auditor: 403 },
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
  { route: 'GET /api/log/alarms', expect: only({ auditor: 200, admin: 200 }) },
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

  // Money: projects, donations, spending, files (docs/money.md "API").
  { route: 'GET /api/projects', expect: all(200) },
  {
    route: 'GET /api/projects/:projectId',
    needs: 'money',
    path: (f) => `/api/projects/${f.money!.projectId}`,
    expect: all(200),
  },
  {
    // A draft is the charity's business: the public project page does not show it to anyone.
    route: 'GET /api/projects/:projectId',
    needs: 'money',
    path: (f) => `/api/projects/${f.money!.draftId}`,
    expect: all(404),
  },
  {
    route: 'GET /api/projects/:projectId/donations',
    needs: 'money',
    path: (f) => `/api/projects/${f.money!.projectId}/donations`,
    expect: all(200),
  },
  {
    route: 'GET /api/projects/:projectId/disbursements',
    needs: 'money',
    path: (f) => `/api/projects/${f.money!.projectId}/disbursements`,
    expect: all(200),
  },
  {
    route: 'GET /api/orgs/:orgId/projects',
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'POST /api/orgs/:orgId/projects',
    body: () => projectBody(),
    expect: only({ editor: 201, owner: 201 }),
  },
  {
    route: 'GET /api/orgs/:orgId/projects/:projectId',
    needs: 'money',
    path: (f) => `/api/orgs/${f.orgId}/projects/${f.money!.draftId}`,
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'PATCH /api/orgs/:orgId/projects/:projectId',
    needs: 'money',
    path: (f) => `/api/orgs/${f.orgId}/projects/${f.money!.draftId}`,
    body: () => ({ title: 'Textbooks and desks for Hillside School' }),
    expect: only({ editor: 200, owner: 200 }),
  },
  {
    route: 'POST /api/orgs/:orgId/projects/:projectId/publish',
    needs: 'money',
    path: (f) => `/api/orgs/${f.orgId}/projects/${f.money!.draftId}/publish`,
    expect: only({ editor: 200, owner: 200 }),
  },
  {
    route: 'GET /api/orgs/:orgId/beneficiaries',
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'POST /api/orgs/:orgId/beneficiaries',
    body: () => ({ name: 'Hillside Primary School', kind: 'school', region: 'Yunnan' }),
    expect: only({ editor: 201, owner: 201 }),
  },
  {
    route: 'POST /api/orgs/:orgId/files',
    body: () => samplePng,
    headers: () => ({ 'content-type': 'image/png' }),
    expect: only({ editor: 201, owner: 201 }),
  },
  {
    route: 'POST /api/orgs/:orgId/projects/:projectId/disbursements',
    needs: 'money',
    path: (f) => `/api/orgs/${f.orgId}/projects/${f.money!.projectId}/disbursements`,
    body: (f) => ({
      amount: 1000,
      currency: 'CNY',
      budgetLineId: f.money!.budgetLineId,
      beneficiaryId: f.money!.beneficiaryId,
      purpose: 'Textbooks, grade 3',
      date: new Date().toISOString().slice(0, 10),
      evidence: [{ sha256: f.money!.fileSha, kind: 'invoice' }],
    }),
    expect: only({ editor: 201, owner: 201 }),
  },
  {
    // Anyone may give, signed in or as a guest (with an email); not a signed-in auditor, who
    // takes no part in what it audits (signed out, an auditor is a guest like any other).
    route: 'POST /api/projects/:projectId/donations',
    needs: 'money',
    path: (f) => `/api/projects/${f.money!.projectId}/donations`,
    body: () => ({ amount: 5000, currency: 'CNY', email: 'giver@example.org' }),
    headers: () => ({ 'idempotency-key': randomUUID() }),
    expect: { ...all(201), auditor: 403 },
  },
  {
    // The link's token is the key: whoever holds it sees the donation.
    route: 'GET /api/donations/:donationId',
    needs: 'money',
    path: (f) => `/api/donations/${f.money!.donation.id}?token=${f.money!.donation.token}`,
    expect: all(200),
  },
  {
    // Without the token only the donor's own account sees it; to others it does not exist.
    route: 'GET /api/donations/:donationId',
    needs: 'money',
    path: (f) => `/api/donations/${f.money!.usersDonation.id}`,
    expect: { ...all(404), user: 200 },
  },
  {
    route: 'GET /api/donations/:donationId/trace',
    needs: 'money',
    path: (f) => `/api/donations/${f.money!.donation.id}/trace?token=${f.money!.donation.token}`,
    expect: all(200),
  },
  {
    route: 'GET /api/donations/:donationId/trace',
    needs: 'money',
    path: (f) => `/api/donations/${f.money!.usersDonation.id}/trace`,
    expect: { ...all(404), user: 200 },
  },
  {
    route: 'GET /api/receipts/:donationId',
    needs: 'money',
    drain: true,
    path: (f) => `/api/receipts/${f.money!.donation.id}`,
    expect: all(200),
  },
  {
    route: 'GET /api/receipts/:donationId/pdf',
    needs: 'money',
    path: (f) => `/api/receipts/${f.money!.donation.id}/pdf`,
    expect: all(200),
  },
  {
    route: 'GET /api/orgs/:orgId/books.xlsx',
    needs: 'money',
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'GET /api/orgs/:orgId/books/:table.csv',
    needs: 'money',
    path: (f) => `/api/orgs/${f.orgId}/books/donations.csv`,
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  { route: 'GET /api/my/donations', expect: signedIn(200) },
  {
    route: 'DELETE /api/my/donations/:donationId/monthly',
    needs: 'money',
    path: (f) => `/api/my/donations/${f.money!.mine?.id ?? randomUUID()}/monthly`,
    expect: signedIn(204, { auditor: 403 }),
  },
  {
    // Someone else's monthly donation: as absent as one that does not exist.
    route: 'DELETE /api/my/donations/:donationId/monthly',
    needs: 'money',
    path: (f) => `/api/my/donations/${f.money!.usersDonation.id}/monthly`,
    expect: signedIn(404, { user: 204, auditor: 403 }),
  },
  {
    // The provider's server calls it: the signature, not a session, is what counts.
    route: 'POST /api/payments/webhooks/:provider',
    needs: 'money',
    path: () => '/api/payments/webhooks/sandbox',
    body: (f) => webhookFor(f).body,
    headers: (f) => webhookFor(f).headers,
    expect: { ...all(200), auditor: 403 },
  },
  {
    route: 'POST /api/payments/sandbox/:donationId/pay',
    needs: 'money',
    path: (f) => `/api/payments/sandbox/${f.money!.pending.id}/pay`,
    body: (f) => ({ token: f.money!.pending.token, outcome: 'succeeded' }),
    expect: { ...all(200), auditor: 403 },
  },
  {
    // The beneficiary has no account: the one-time code is the key.
    route: 'GET /api/acknowledgements/:code',
    needs: 'money',
    path: (f) => `/api/acknowledgements/${f.money!.ackCode}`,
    expect: all(200),
  },
  {
    route: 'POST /api/acknowledgements/:code',
    needs: 'money',
    path: (f) => `/api/acknowledgements/${f.money!.ackCode}`,
    body: () => ({ note: 'Received, thank you' }),
    expect: { ...all(200), auditor: 403 },
  },
  {
    route: 'POST /api/acknowledgements/:code/photo',
    needs: 'money',
    path: (f) => `/api/acknowledgements/${f.money!.ackCode}/photo`,
    body: () => samplePng,
    headers: () => ({ 'content-type': 'image/png' }),
    expect: { ...all(201), auditor: 403 },
  },
  {
    route: 'GET /api/files/:sha256',
    needs: 'money',
    path: (f) => `/api/files/${f.money!.fileSha}`,
    expect: all(200),
  },

  // The auditor's console (docs/ledger.md "The auditor's console"): auditors write findings.
  { route: 'GET /api/audit/health', expect: only({ auditor: 200, admin: 200 }) },
  { route: 'GET /api/audit/anomalies', expect: only({ auditor: 200, admin: 200 }) },
  { route: 'GET /api/audit/findings', expect: only({ auditor: 200, admin: 200 }) },
  {
    route: 'POST /api/audit/findings',
    body: (f) => ({
      orgId: f.orgId,
      title: 'Annual report missing',
      body: 'No annual report was published for last year.',
      severity: 'low',
    }),
    expect: only({ auditor: 201 }),
  },
  {
    route: 'POST /api/audit/findings/:findingId/close',
    needs: 'finding',
    path: (f) => `/api/audit/findings/${f.findingId}/close`,
    expect: only({ auditor: 200 }),
  },
  {
    route: 'GET /api/orgs/:orgId/audit/books',
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'GET /api/orgs/:orgId/findings',
    expect: only({ editor: 200, owner: 200, auditor: 200, admin: 200 }),
  },
  {
    route: 'POST /api/orgs/:orgId/findings/:findingId/answers',
    needs: 'finding',
    path: (f) => `/api/orgs/${f.orgId}/findings/${f.findingId}/answers`,
    body: () => ({ body: 'It is on our website since March.' }),
    expect: only({ editor: 201, owner: 201 }),
  },
  { route: 'GET /api/log/cosigned', expect: all(200) },
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
  while ((await currentSize(db)) === 0) {
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
  const money = c.needs === 'money' ? await moneyFixture(orgId, role) : undefined;
  const findingId =
    c.needs === 'finding'
      ? (
          await fileFinding(
            db,
            ids.auditor,
            { orgId, title: 'A finding', body: 'Something to answer.', severity: 'low' },
            new Date(),
          )
        ).id
      : undefined;
  if (c.drain) await drainLog(t);
  return {
    orgId,
    invitationId,
    editorId: ids.editor,
    inviteForCaller,
    ...(money ? { money } : {}),
    ...(findingId ? { findingId } : {}),
  };
}

/**
 * A published project with a paid donation, a registered payee, an evidence file and a
 * disbursement awaiting confirmation, plus a draft; made through the domain functions (the
 * routes under test are not used to build what they are tested on).
 */
async function moneyFixture(orgId: string, role: Role): Promise<Money> {
  const db = t.database.db;
  const now = new Date();
  const projectId = await createProject(db, orgId, ids.owner, projectBody() as ProjectInput);
  await publishProject(db, orgId, projectId, now);
  const draftId = await createProject(db, orgId, ids.owner, projectBody() as ProjectInput);
  const line = await db
    .selectFrom('project_budget_lines')
    .select('id')
    .where('project_id', '=', projectId)
    .orderBy('position')
    .executeTakeFirstOrThrow();
  const payee = await createBeneficiary(db, orgId, {
    name: 'Hillside Primary School',
    kind: 'school',
    region: 'Yunnan',
  });
  const file = await t.app.files.put(samplePdf, 'application/pdf');
  await recordUpload(db, file, { orgId, uploadedBy: ids.owner });
  const donate = async (userId: string | null, monthly = false, pay = true) => {
    const started = await t.app.donations.start(
      {
        projectId,
        amount: 5000,
        currency: 'CNY',
        frequency: monthly ? 'monthly' : 'once',
        anonymous: false,
        email: userId ? null : 'guest@example.org',
        userId,
        idempotencyKey: randomUUID(),
      },
      now,
    );
    const row = await db
      .selectFrom('donations')
      .select('provider_ref')
      .where('id', '=', started.donation.id)
      .executeTakeFirstOrThrow();
    const providerRef = row.provider_ref!;
    if (pay) {
      const paid = await t.app.donations.applyPayment(
        {
          eventId: `evt_${randomUUID()}`,
          kind: 'payment.succeeded',
          providerRef,
          donationId: started.donation.id,
          amount: 5000,
          currency: 'CNY',
          occurredAt: now,
        },
        now,
      );
      if (paid.outcome !== 'credited') throw new Error(`fixture donation: ${paid.outcome}`);
    }
    return { id: started.donation.id, token: started.accessToken, providerRef };
  };
  const donation = await donate(null);
  const pending = await donate(null, false, false);
  const mine = role === 'anonymous' ? undefined : await donate(ids[role], true);
  const usersDonation = await donate(ids.user, true);
  const { ackCode } = await recordDisbursement(
    db,
    orgId,
    projectId,
    ids.owner,
    {
      amount: 2000,
      currency: 'CNY',
      budgetLineId: line.id,
      beneficiaryId: payee.id,
      purpose: 'Textbooks, grade 2',
      date: now.toISOString().slice(0, 10),
      evidence: [{ sha256: file.sha256, kind: 'invoice' }],
    },
    now,
  );
  return {
    projectId,
    draftId,
    budgetLineId: line.id,
    beneficiaryId: payee.id,
    fileSha: file.sha256,
    donation,
    pending,
    mine,
    usersDonation,
    ackCode,
  };
}

/** The provider's signed "succeeded" callback for the fixture's pending donation. */
const webhooks = new WeakMap<Fixture, { body: string; headers: Record<string, string> }>();
function webhookFor(f: Fixture) {
  let signed = webhooks.get(f);
  if (!signed) {
    signed = signSandboxCallback(
      testSandboxSecret,
      {
        kind: 'payment.succeeded',
        providerRef: f.money!.pending.providerRef,
        donationId: f.money!.pending.id,
        amount: 5000,
        currency: 'CNY',
      },
      new Date(),
    );
    webhooks.set(f, signed);
  }
  return signed;
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
        const res = await client.request(method as 'GET', url, c.body?.(f), c.headers?.(f));
        got[role] = res.statusCode;
      }
      expect(got).toEqual(c.expect);
    });
  }
});
