import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createSession } from '../src/accounts/sessions.js';
import { fileFinding } from '../src/audit/findings.js';
import { errorTable } from '../src/errors.js';
import { Client, createStaff, startTestApp, type TestApp } from './support/app.js';
import { changedTables, storeDigest } from './support/digest.js';
import {
  badJsonBody,
  badNumbers,
  badPathValues,
  badQueryValues,
  exampleOf,
  type JsonSchema,
  junkBodies,
  pathsOf,
} from './support/fuzz.js';
import {
  beneficiary,
  disburse,
  drainLog,
  paidDonation,
  publishedProject,
  startGuestDonation,
  uniquePdf,
  uniquePng,
  upload,
  verifiedCharity,
} from './support/money.js';

/**
 * Walks EVERY operation of the OpenAPI document the server serves (GET /api/docs/json), as
 * anonymous and as each kind of caller, with generated bad input: wrong types, missing and
 * extra fields, NUL and lone surrogates, huge and deep bodies, amounts of 0, negative,
 * fractional or past 2^53, invalid UUIDs and path traversal in path parameters, bad query
 * strings, wrong content types and headers. Every answer must be
 *
 * - never a 5xx;
 * - for a refusal, `{"error":{"code","message"}}` with a code of errors.ts and that code's
 *   status;
 * - for a refusal, without a trace in the store: every table's rows and the file store are
 *   the same before and after (storeDigest).
 *
 * Routes are discovered, not listed: a new route is fuzzed without anyone adding it here. A
 * route the suite cannot exercise fails loudly: one missing from the document, a path
 * parameter it has no real value for, or a route no caller ever got past authorization on.
 *
 * Deterministic: a fixed seed (FUZZ_SEED to change it; FUZZ_CASES for the cases per route and
 * caller), printed with every failure.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_208);
const CASES = Number(process.env.FUZZ_CASES ?? 3);
/**
 * More cases for the first two callers a route lets in: there the body and the domain rules
 * are reached (the others are refused before the body is read, whatever it is).
 */
const CASES_PAST_ACCESS = CASES * 4;
const ROLES_PAST_ACCESS = 2;

const roles = ['anonymous', 'donor', 'editorOfOther', 'owner', 'auditor', 'admin'] as const;
type Role = (typeof roles)[number];

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}
interface Operation {
  method: string;
  path: string; // as in the document: /api/orgs/{orgId}
  parameters: Parameter[];
  body: JsonSchema | undefined;
}
interface FuzzRequest {
  what: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

const t: TestApp = await startTestApp({
  env: { EVIDENCE_MAX_BYTES: '65536', MONTHLY_CHARGE_EVERY_MS: '86400000' },
});
const stats = { routes: 0, requests: 0, started: Date.now() };
afterAll(async () => {
  console.log(
    `fuzz: ${stats.requests} requests to ${stats.routes} routes in ${Math.round((Date.now() - stats.started) / 1000)} s (FUZZ_SEED=${SEED} FUZZ_CASES=${CASES})`,
  );
  await t.close();
});

// The world the requests act on: real ids, so that a request past validation meets real rows.
const a = await publishedProject(t);
const other = await verifiedCharity(t);
const today = t.app.clock().toISOString().slice(0, 10);
const payee = await beneficiary(a.owner, a.orgId);
const invoice = await upload(a.owner, a.orgId, uniquePdf('fuzz'), 'application/pdf');
const cover = await upload(a.owner, a.orgId, uniquePng(900), 'image/png');
const paid = await paidDonation(t, a.project.id, 50_000);
const pending = await startGuestDonation(t, a.project.id, 5000);
const spent = await disburse(
  a.owner,
  { orgId: a.orgId, projectId: a.project.id, budgetLineId: a.project.budget[0]!.id },
  { amount: 1000, beneficiaryId: payee, evidence: [invoice] },
);
const ackCode: string = spent.json().ackCode;
const users: Record<Exclude<Role, 'anonymous'>, string> = {
  owner: a.owner.userId!,
  editorOfOther: (await new Client(t.app).signUp('fuzz-editor@example.org')).userId!,
  donor: (await new Client(t.app).signUp('fuzz-donor@example.org')).userId!,
  auditor: (await createStaff(t, 'fuzz-auditor@example.org', 'auditor')).userId!,
  admin: (await createStaff(t, 'fuzz-admin@example.org', 'admin')).userId!,
};
await t.database.db
  .insertInto('org_members')
  .values({ org_id: other.orgId, user_id: users.editorOfOther, role: 'editor' })
  .execute();
const invitation = (
  await a.owner.post(`/api/orgs/${a.orgId}/invitations`, {
    email: 'fuzz-invitee@example.org',
    role: 'editor',
  })
).json().id as string;
const finding = await fileFinding(
  t.database.db,
  users.auditor,
  { orgId: a.orgId, title: 'A finding', body: 'Something to answer.', severity: 'low' },
  new Date(),
);
await drainLog(t);

/** A real value for every path parameter the API has, by name. */
const pathValues: Record<string, string> = {
  orgId: a.orgId,
  projectId: a.project.id,
  donationId: paid.donation.id,
  invitationId: invitation,
  userId: users.owner,
  findingId: finding.id,
  code: ackCode,
  sha256: invoice,
  index: '0',
  eventId: '1',
  provider: 'sandbox',
  table: 'donations',
  '*': '0/000',
};
/** Real values for body and query fields that name something, by field name. */
const named: Record<string, unknown> = {
  orgId: a.orgId,
  budgetLineId: a.project.budget[0]!.id,
  beneficiaryId: payee,
  sha256: invoice,
  coverSha256: cover,
  photoSha256: null,
  token: pending.accessToken,
  amount: 500,
  currency: 'CNY',
  date: today,
  startDate: '2026-01-01',
  endDate: '2027-06-30',
  password: 'correct horse battery',
  email: 'fuzz-new@example.org',
  budget: [{ label: 'Books', amount: 1000 }],
  goal: { amount: 1000, currency: 'CNY' },
};

const spec = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
      }
    >
  >;
};
const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    parameters: op.parameters ?? [],
    body: op.requestBody?.content['application/json']?.schema,
  })),
);

const sessions = async (): Promise<Record<Role, { cookie: string; csrf: string } | null>> => {
  const made = await Promise.all(
    Object.entries(users).map(async ([role, id]) => {
      const s = await createSession(t.database.db, id, t.app.clock(), 1);
      return [role, { cookie: `gt_session=${s.token}`, csrf: s.csrfToken }] as const;
    }),
  );
  return { anonymous: null, ...Object.fromEntries(made) } as Record<
    Role,
    { cookie: string; csrf: string } | null
  >;
};

let keys = 0;
/** The requests for one operation and caller: a valid-looking baseline, then one thing spoiled. */
function requestsFor(
  op: Operation,
  session: { cookie: string; csrf: string } | null,
  n: number,
  seed: number,
): FuzzRequest[] {
  const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const write = !['GET', 'HEAD', 'OPTIONS'].includes(op.method);
  const example = op.body ? exampleOf(op.body, named) : undefined;

  const build = (spoil: {
    path?: [string, string];
    query?: [string, string][];
    body?: { contentType: string | undefined; body: string | Buffer };
    headers?: Record<string, string>;
    what: string;
  }): FuzzRequest => {
    const url =
      op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
        spoil.path?.[0] === name
          ? spoil.path[1]
          : encodeURIComponent(pathValues[name]!).replaceAll('%2F', '/'),
      ) +
      queryString([
        ...queryParams
          .filter((p) => p.required || p.name === 'token')
          .filter((p) => !spoil.query?.some(([k]) => k === p.name))
          .map(
            (p) =>
              [
                p.name,
                String(exampleOf(p.schema ?? {}, { ...named, token: paid.accessToken }, p.name)),
              ] as [string, string],
          ),
        ...(spoil.query ?? []),
      ]);
    const headers: Record<string, string> = {};
    if (session) headers.cookie = session.cookie;
    if (session && write) headers['x-csrf-token'] = session.csrf;
    if (op.parameters.some((p) => p.in === 'header' && p.name === 'idempotency-key'))
      headers['idempotency-key'] = `fuzz-key-${++keys}-${seed}`;
    let payload: string | Buffer | undefined;
    const body =
      spoil.body ??
      (example !== undefined
        ? { contentType: 'application/json', body: JSON.stringify(example) }
        : undefined);
    if (body) {
      payload = body.body;
      if (body.contentType !== undefined) headers['content-type'] = body.contentType;
    }
    Object.assign(headers, spoil.headers);
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
    return {
      what: spoil.what,
      method: op.method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    };
  };

  const kinds: fc.Arbitrary<FuzzRequest>[] = [
    fc.constant(build({ what: 'the baseline' })),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              ...queryParams.map((p) => p.name),
              'extra',
              '%00',
              'page[]',
              '__proto__',
            ),
            fc.string({ maxLength: 5 }).map(encodeURIComponent),
          ),
          badQueryValues,
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((query) => build({ query, what: 'a bad query string' })),
    junkBodies.map((body) => build({ body, what: 'a junk body' })),
    fc
      .constantFrom<Record<string, string>>(
        { 'x-csrf-token': 'forged' },
        { 'x-csrf-token': '' },
        { cookie: 'gt_session=%E0%A4%A; gt_session=x' },
        { cookie: `gt_session=${'A'.repeat(43)}` },
        { 'content-type': 'application/json; charset=latin1' },
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { 'idempotency-key': 'short' },
        { 'idempotency-key': 'k\u0000ey-with-nul' },
        { 'idempotency-key': 'x'.repeat(101) },
        { 'idempotency-key': 'key with spaces ok?' },
        { 'content-length': '5' },
        { 'x-forwarded-for': '1.2.3.4, %00' },
        { accept: '\u0000' },
      )
      .map((headers) => build({ headers, what: 'bad headers' })),
  ];
  if (pathParams.length)
    kinds.push(
      fc
        .tuple(fc.constantFrom(...pathParams), badPathValues)
        .map((path) => build({ path, what: `a bad :${path[0]}` })),
    );
  if (op.body) {
    kinds.push(
      badJsonBody(example).map((body) =>
        build({ body: { contentType: 'application/json', body }, what: 'a spoiled body' }),
      ),
      badJsonBody(example).map((body) =>
        build({ body: { contentType: 'application/json', body }, what: 'a spoiled body' }),
      ),
    );
    const amounts = pathsOf(example).filter((p) => p.at(-1) === 'amount');
    if (amounts.length)
      kinds.push(
        fc.tuple(fc.constantFrom(...amounts), badNumbers).map(([at, v]) => {
          const copy = structuredClone(example) as Record<string | number, unknown>;
          let node = copy;
          for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
          node[at.at(-1)!] = v;
          return build({
            body: { contentType: 'application/json', body: JSON.stringify(copy) },
            what: `amount ${v}`,
          });
        }),
      );
  }
  return fc.sample(fc.oneof(...kinds), { seed, numRuns: n });
}

function queryString(pairs: [string, string][]): string {
  return pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

const excerpt = (v: unknown, n = 160) => {
  const s = Buffer.isBuffer(v)
    ? `<${v.length} bytes>`
    : typeof v === 'string'
      ? v
      : JSON.stringify(v);
  return s === undefined ? '' : s.length > n ? `${s.slice(0, n)}… (${s.length})` : s;
};

/** What is wrong with an answer, or null. */
function problemWith(res: LightMyRequestResponse): string | null {
  if (res.statusCode >= 500) return `a ${res.statusCode}`;
  if (res.statusCode < 400) return null;
  let json: { error?: { code?: unknown; message?: unknown; details?: unknown } };
  try {
    json = JSON.parse(res.body);
  } catch {
    return 'an error that is not JSON';
  }
  const keys = Object.keys(json ?? {});
  const errKeys = Object.keys(json?.error ?? {});
  if (keys.join() !== 'error' || errKeys.some((k) => !['code', 'message', 'details'].includes(k)))
    return 'an error not in the documented shape';
  const { code, message } = json.error!;
  if (typeof message !== 'string') return 'an error without a message';
  const known = errorTable[code as keyof typeof errorTable];
  if (!known) return `an undocumented code ${String(code)}`;
  if (known.status !== res.statusCode)
    return `${String(code)} with status ${res.statusCode}, not ${known.status}`;
  return null;
}

describe('the API fuzzed from its own OpenAPI document', () => {
  it('the document lists every route the server has, and the suite has a real value for every path parameter', () => {
    const documented = new Set(operations.map((o) => `${o.method} ${o.path}`));
    const missing = t.app.routeAccess
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
      .filter((r) => !documented.has(r));
    expect(
      missing,
      'routes the OpenAPI document does not list (the fuzz suite cannot find them)',
    ).toEqual([]);
    const unknown = operations.flatMap((o) =>
      o.parameters
        .filter((p) => p.in === 'path' && !(p.name in pathValues))
        .map((p) => `${o.method} ${o.path}: :${p.name} (add a real value to pathValues)`),
    );
    expect(unknown).toEqual([]);
    expect(operations.length).toBeGreaterThan(60);
  });

  for (const op of operations) {
    it(`${op.method} ${op.path}`, { timeout: 120_000 }, async () => {
      const failures: string[] = [];
      let reached = 0;
      let rolesLetIn = 0;
      let sent = 0;
      const s = await sessions();
      for (const role of roles) {
        const seed = SEED ^ hash(`${op.method} ${op.path} ${role}`);
        let requests = requestsFor(op, s[role], CASES, seed);
        let before = await storeDigest(t);
        let pastAccess = false;
        for (let i = 0; i < requests.length; i++) {
          const req = requests[i]!;
          sent++;
          const res = await t.app.inject({
            method: req.method as 'GET',
            url: req.url,
            headers: req.headers,
            ...(req.payload === undefined ? {} : { payload: req.payload }),
          });
          const where = `${role}: ${req.what}: ${req.method} ${excerpt(req.url, 200)} ${excerpt(req.headers['content-type'] ?? '')} ${excerpt(req.payload ?? '')} → ${res.statusCode} ${excerpt(res.body)}`;
          const problem = problemWith(res);
          if (problem) failures.push(`${problem}. ${where}`);
          const notRouted = res.statusCode === 404 && res.body.includes('"No route ');
          if (![401, 403].includes(res.statusCode) && !notRouted) {
            reached++;
            if (!pastAccess && rolesLetIn < ROLES_PAST_ACCESS) {
              pastAccess = true;
              rolesLetIn++;
              requests = [...requests, ...requestsFor(op, s[role], CASES_PAST_ACCESS, seed + 1)];
            }
          }
          if (res.statusCode >= 400) {
            // Writes are checked one by one; reads never write, so once per caller below.
            if (req.method !== 'GET') {
              const after = await storeDigest(t);
              const changed = changedTables(before, after);
              if (changed.length)
                failures.push(`a refusal changed ${changed.join(', ')}. ${where}`);
              before = after;
            }
          } else if (req.method !== 'GET') {
            // Accepted: what it changed is its business; wait for the log, then start afresh.
            await drainLog(t);
            before = await storeDigest(t);
          }
        }
        if (op.method === 'GET') {
          const changed = changedTables(before, await storeDigest(t));
          if (changed.length) failures.push(`reads as ${role} changed ${changed.join(', ')}`);
        }
      }
      stats.requests += sent;
      stats.routes++;
      expect(failures, `FUZZ_SEED=${SEED} FUZZ_CASES=${CASES}`).toEqual([]);
      expect(
        reached,
        `no caller got past authorization on ${op.method} ${op.path}: the suite cannot exercise it`,
      ).toBeGreaterThan(0);
    });
  }
});
