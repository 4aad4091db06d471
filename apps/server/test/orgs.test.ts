import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  createStaff,
  errorCode,
  sampleOrg,
  startTestApp,
  type TestApp,
} from './support/app.js';

let t: TestApp;
let admin: Client;
let auditor: Client;
beforeAll(async () => {
  t = await startTestApp();
  admin = await createStaff(t, 'admin@orgs.test', 'admin');
  auditor = await createStaff(t, 'auditor@orgs.test', 'auditor');
});
afterAll(() => t.close());

async function registerAs(email: string, org = sampleOrg(email)) {
  const owner = await new Client(t.app).signUp(email);
  const res = await owner.post('/api/orgs', org);
  expect(res.statusCode, res.body).toBe(201);
  return { owner, org: res.json() as { id: string; status: string; registrationNumber: string } };
}

describe('charity onboarding', () => {
  it('a registered charity awaits verification and is hidden from the public until verified', async () => {
    const { owner, org } = await registerAs(
      'owner1@example.org',
      sampleOrg(1, { name: 'Mountain Schools Trust' }),
    );
    expect(org.status).toBe('pending');
    const mine = (await owner.get('/api/me/orgs')).json();
    expect(mine).toEqual([
      expect.objectContaining({ id: org.id, status: 'pending', myRole: 'owner' }),
    ]);

    const anon = new Client(t.app);
    expect((await anon.get(`/api/orgs/${org.id}`)).statusCode).toBe(404);
    expect((await anon.get('/api/orgs?q=Mountain')).json().total).toBe(0);

    const queue = (await admin.get('/api/admin/orgs?status=pending')).json();
    expect(queue.items.map((o: { id: string }) => o.id)).toContain(org.id);

    const verified = await admin.post(`/api/admin/orgs/${org.id}/verify`);
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ status: 'verified' });

    const page = await anon.get(`/api/orgs/${org.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({
      name: 'Mountain Schools Trust',
      status: 'verified',
      myRole: null,
    });
    expect(page.json()).not.toHaveProperty('rejectionReason');
    expect((await anon.get('/api/orgs?q=mountain')).json().items[0].id).toBe(org.id);
  });

  it('a second verification of the same charity is refused and changes nothing', async () => {
    const { org } = await registerAs('owner2@example.org');
    await admin.post(`/api/admin/orgs/${org.id}/verify`);
    const before = await t.database.db
      .selectFrom('orgs')
      .selectAll()
      .where('id', '=', org.id)
      .executeTakeFirstOrThrow();
    const again = await admin.post(`/api/admin/orgs/${org.id}/verify`);
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('org_not_pending');
    const reject = await admin.post(`/api/admin/orgs/${org.id}/reject`, {
      reason: 'changed my mind',
    });
    expect(errorCode(reject)).toBe('org_not_pending');
    const after = await t.database.db
      .selectFrom('orgs')
      .selectAll()
      .where('id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    const reviews = await t.database.db
      .selectFrom('org_reviews')
      .select('decision')
      .where('org_id', '=', org.id)
      .execute();
    expect(reviews).toEqual([{ decision: 'verified' }]);
  });

  it('a rejected charity sees the reason, can fix its details and resubmit', async () => {
    const { owner, org } = await registerAs('owner3@example.org');
    const rejected = await admin.post(`/api/admin/orgs/${org.id}/reject`, {
      reason: 'The registration certificate number does not match the civil affairs record.',
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected' });
    const seen = (await owner.get(`/api/orgs/${org.id}`)).json();
    expect(seen.rejectionReason).toMatch(/does not match/);
    expect((await new Client(t.app).get(`/api/orgs/${org.id}`)).statusCode).toBe(404);

    expect(
      (await owner.patch(`/api/orgs/${org.id}`, { registrationNumber: 'FIXED-0003' })).statusCode,
    ).toBe(200);
    const again = await owner.post(`/api/orgs/${org.id}/resubmit`);
    expect(again.json()).toMatchObject({
      status: 'pending',
      registrationNumber: 'FIXED-0003',
      rejectionReason: null,
    });
    const history = (await owner.get(`/api/orgs/${org.id}/reviews`)).json();
    expect(history.map((r: { decision: string }) => r.decision)).toEqual([
      'rejected',
      'resubmitted',
    ]);
    expect(errorCode(await owner.post(`/api/orgs/${org.id}/resubmit`))).toBe('org_not_rejected');
  });

  it('rejecting needs a reason', async () => {
    const { org } = await registerAs('owner4@example.org');
    const res = await admin.post(`/api/admin/orgs/${org.id}/reject`, { reason: '   ' });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('validation_failed');
    expect((await admin.get(`/api/orgs/${org.id}`)).json().status).toBe('pending');
  });

  it('a registration number can be registered only once', async () => {
    await registerAs('owner5@example.org', sampleOrg(5, { registrationNumber: 'DUP-12345' }));
    const other = await new Client(t.app).signUp('owner5b@example.org');
    const res = await other.post('/api/orgs', sampleOrg('5b', { registrationNumber: 'dup-12345' }));
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('registration_number_taken');
    expect((await other.get('/api/me/orgs')).json()).toEqual([]);
  });

  it('an auditor reads the queue but cannot decide', async () => {
    const { org } = await registerAs('owner6@example.org');
    expect((await auditor.get('/api/admin/orgs')).statusCode).toBe(200);
    expect((await auditor.get(`/api/orgs/${org.id}/members`)).statusCode).toBe(200);
    expect(errorCode(await auditor.post(`/api/admin/orgs/${org.id}/verify`))).toBe('forbidden');
    expect(errorCode(await auditor.patch(`/api/orgs/${org.id}`, { city: 'Elsewhere' }))).toBe(
      'forbidden',
    );
  });
});

describe('members and invitations', () => {
  it('an owner invites an editor by email; the invitee signs up with that email and joins', async () => {
    const { owner, org } = await registerAs('inviter@example.org');
    const inv = await owner.post(`/api/orgs/${org.id}/invitations`, {
      email: 'New.Editor@example.org',
      role: 'editor',
    });
    expect(inv.statusCode).toBe(201);
    expect(inv.json()).toMatchObject({ email: 'new.editor@example.org', role: 'editor' });

    const stranger = await new Client(t.app).signUp('stranger@example.org');
    expect((await stranger.get('/api/me/invitations')).json()).toEqual([]);
    const stolen = await stranger.post(`/api/me/invitations/${inv.json().id}/accept`);
    expect(errorCode(stolen)).toBe('not_found');

    const editor = await new Client(t.app).signUp('new.editor@example.org');
    const open = (await editor.get('/api/me/invitations')).json();
    expect(open).toEqual([
      expect.objectContaining({ orgId: org.id, role: 'editor', invitedBy: 'Test Person' }),
    ]);
    const accepted = await editor.post(`/api/me/invitations/${open[0].id}/accept`);
    expect(accepted.json()).toEqual({ orgId: org.id, role: 'editor' });
    expect(errorCode(await editor.post(`/api/me/invitations/${open[0].id}/accept`))).toBe(
      'invitation_not_open',
    );

    const members = (await editor.get(`/api/orgs/${org.id}/members`)).json();
    expect(members.members.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      ['inviter@example.org', 'owner'],
      ['new.editor@example.org', 'editor'],
    ]);
    // editors edit details but do not manage members
    expect((await editor.patch(`/api/orgs/${org.id}`, { city: 'Mianyang' })).json().city).toBe(
      'Mianyang',
    );
    expect(
      errorCode(
        await editor.post(`/api/orgs/${org.id}/invitations`, {
          email: 'x@example.org',
          role: 'owner',
        }),
      ),
    ).toBe('forbidden');
    expect(
      errorCode(
        await owner.post(`/api/orgs/${org.id}/invitations`, {
          email: 'new.editor@example.org',
          role: 'owner',
        }),
      ),
    ).toBe('already_member');
  });

  it('the last owner cannot be removed; a withdrawn invitation cannot be accepted', async () => {
    const { owner, org } = await registerAs('solo@example.org');
    expect(errorCode(await owner.delete(`/api/orgs/${org.id}/members/${owner.userId}`))).toBe(
      'last_owner',
    );
    const inv = (
      await owner.post(`/api/orgs/${org.id}/invitations`, {
        email: 'late@example.org',
        role: 'owner',
      })
    ).json();
    expect((await owner.delete(`/api/orgs/${org.id}/invitations/${inv.id}`)).statusCode).toBe(204);
    const late = await new Client(t.app).signUp('late@example.org');
    expect(errorCode(await late.post(`/api/me/invitations/${inv.id}/accept`))).toBe(
      'invitation_not_open',
    );
  });

  it('an owner of charity A can never touch charity B', async () => {
    const a = await registerAs('owner-a@example.org');
    const b = await registerAs('owner-b@example.org');
    await admin.post(`/api/admin/orgs/${b.org.id}/verify`);
    const ownerA = a.owner;
    const attempts = [
      await ownerA.patch(`/api/orgs/${b.org.id}`, { name: 'Hijacked' }),
      await ownerA.post(`/api/orgs/${b.org.id}/invitations`, {
        email: 'owner-a2@example.org',
        role: 'owner',
      }),
      await ownerA.get(`/api/orgs/${b.org.id}/members`),
      await ownerA.get(`/api/orgs/${b.org.id}/reviews`),
      await ownerA.post(`/api/orgs/${b.org.id}/resubmit`),
      await ownerA.delete(`/api/orgs/${b.org.id}/members/${b.owner.userId}`),
    ];
    for (const res of attempts)
      expect([res.statusCode, errorCode(res)]).toEqual([403, 'forbidden']);
    const row = await t.database.db
      .selectFrom('orgs')
      .select('name')
      .where('id', '=', b.org.id)
      .executeTakeFirstOrThrow();
    expect(row.name).not.toBe('Hijacked');
    expect(
      await t.database.db
        .selectFrom('org_members')
        .select('user_id')
        .where('org_id', '=', b.org.id)
        .execute(),
    ).toHaveLength(1);
  });
});

describe('the public directory', () => {
  it('searches verified charities by name, city and cause, paginated', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { org } = await registerAs(`dir${i}@example.org`, {
        ...sampleOrg(`dir${i}`),
        name: `Directory Charity ${i}`,
        city: i % 2 ? 'Kunming' : 'Xining',
        cause: i < 3 ? 'health' : 'animals',
      });
      if (i !== 6) await admin.post(`/api/admin/orgs/${org.id}/verify`);
      ids.push(org.id);
    }
    const anon = new Client(t.app);
    const all = (await anon.get('/api/orgs?q=Directory Charity&pageSize=4')).json();
    expect(all.total).toBe(6); // the unverified one is not listed
    expect(all.items).toHaveLength(4);
    const page2 = (await anon.get('/api/orgs?q=directory%20charity&pageSize=4&page=2')).json();
    expect(page2.items).toHaveLength(2);
    expect(new Set([...all.items, ...page2.items].map((o: { id: string }) => o.id)).size).toBe(6);

    const kunming = (await anon.get('/api/orgs?q=Directory&city=kunming')).json();
    expect(kunming.items.map((o: { name: string }) => o.name)).toEqual([
      'Directory Charity 1',
      'Directory Charity 3',
      'Directory Charity 5',
    ]);
    const health = (await anon.get('/api/orgs?q=Directory&cause=health&city=Xining')).json();
    expect(health.items.map((o: { name: string }) => o.name)).toEqual([
      'Directory Charity 0',
      'Directory Charity 2',
    ]);
    expect((await anon.get('/api/orgs?q=%25')).json().total).toBe(0); // % is literal, not a wildcard
    expect(errorCode(await anon.get('/api/orgs?cause=astrology'))).toBe('validation_failed');
    expect(errorCode(await anon.get('/api/orgs?pageSize=1000'))).toBe('validation_failed');
  });
});
