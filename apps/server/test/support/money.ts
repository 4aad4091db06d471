import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { Client, createStaff, sampleOrg, type TestApp } from './app.js';

/** A one-page PDF and a 1×1 PNG: real files, small enough to inline. */
export const samplePdf = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);
export const samplePng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let counter = 0;

/** A verified charity with its owner signed in. */
export async function verifiedCharity(t: TestApp, tag = `c${++counter}${Date.now() % 100000}`) {
  const owner = await new Client(t.app).signUp(`owner-${tag}@example.org`);
  const org = (await owner.post('/api/orgs', sampleOrg(tag))).json() as { id: string };
  const admin = await createStaff(t, `admin-${tag}@example.org`, 'admin');
  const verified = await admin.post(`/api/admin/orgs/${org.id}/verify`);
  expect(verified.statusCode).toBe(200);
  return { owner, orgId: org.id };
}

export function projectBody(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Textbooks for Hillside School',
    summary: 'New textbooks for 120 pupils of a village school.',
    story: 'The school has used the same books for ten years. We will buy a full set.',
    cause: 'education',
    city: 'Kunming',
    region: 'Yunnan',
    beneficiaryDescription: 'Hillside Primary School, 120 pupils',
    goal: { amount: 3_500_000, currency: 'CNY' },
    budget: [
      { label: 'Books', amount: 3_000_000 },
      { label: 'Transport', amount: 500_000 },
    ],
    startDate: '2026-01-01',
    endDate: '2027-06-30',
    ...overrides,
  };
}

export interface Project {
  id: string;
  orgId: string;
  budget: { id: string; label: string; amount: number }[];
}

/** A published project of a fresh verified charity. */
export async function publishedProject(t: TestApp, overrides: Record<string, unknown> = {}) {
  const { owner, orgId } = await verifiedCharity(t);
  const created = await owner.post(`/api/orgs/${orgId}/projects`, projectBody(overrides));
  expect(created.statusCode, created.body).toBe(201);
  const project = created.json() as Project;
  const published = await owner.post(`/api/orgs/${orgId}/projects/${project.id}/publish`);
  expect(published.statusCode, published.body).toBe(200);
  return { owner, orgId, project: published.json() as Project };
}

/** Starts a guest donation; returns the API's answer. */
export async function startGuestDonation(
  t: TestApp,
  projectId: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  const guest = new Client(t.app);
  const res = await guest.request(
    'POST',
    `/api/projects/${projectId}/donations`,
    { amount, currency: 'CNY', email: 'guest@example.org', ...extra },
    { 'idempotency-key': randomUUID() },
  );
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as {
    donation: { id: string };
    accessToken: string;
    payment: { checkoutUrl: string };
  };
}

/** A paid guest donation: started, then confirmed through the sandbox's signed callback. */
export async function paidDonation(
  t: TestApp,
  projectId: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  const started = await startGuestDonation(t, projectId, amount, extra);
  const paid = await new Client(t.app).post(`/api/payments/sandbox/${started.donation.id}/pay`, {
    token: started.accessToken,
    outcome: 'succeeded',
  });
  expect(paid.statusCode, paid.body).toBe(200);
  expect(paid.json()).toMatchObject({ outcome: 'credited' });
  return started;
}

/** Uploads a file as a charity member; returns its hash. */
export async function upload(client: Client, orgId: string, bytes: Buffer, type: string) {
  const res = await client.request('POST', `/api/orgs/${orgId}/files`, bytes, {
    'content-type': type,
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { sha256: string }).sha256;
}

export async function beneficiary(client: Client, orgId: string, kind = 'school') {
  const res = await client.post(`/api/orgs/${orgId}/beneficiaries`, {
    name: 'Hillside Primary School',
    kind,
    region: 'Yunnan',
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

/** Waits until the sequencer has put every queued event on the log. */
export async function drainLog(t: TestApp) {
  for (let i = 0; i < 400; i++) {
    const { n } = await t.database.db
      .selectFrom('ledger_outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the log did not drain');
}
