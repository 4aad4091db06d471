import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { Donations } from '../donations/service.js';
import type { FileStore } from '../files/file-store.js';
import { type FileOwner, recordUpload } from '../files/queries.js';
import { createSandboxProvider } from '../payments/sandbox.js';
import { createBeneficiary } from '../projects/beneficiaries.js';
import { createProject, publishProject } from '../projects/projects.js';
import { acknowledgeDisbursement } from '../spending/acknowledge.js';
import { recordDisbursement } from '../spending/record-disbursement.js';
import { demoInvoicePdf, demoPhotoPng } from './demo-files.js';

const DAY = 86_400_000;

/**
 * Projects, paid donations, disbursements with evidence and beneficiaries' confirmations for
 * the demo, so a newcomer sees a real trace at once. Everything goes through the same domain
 * functions as the API (the payment through the callback path, with a sandbox provider of its
 * own), in time order, so the log reads like a real history: donations weeks ago, spending
 * after, one disbursement left unconfirmed past 30 days (flagged overdue), and one of the demo
 * donor's donations refunded after part of it was spent (that part the charity owes).
 */
export async function seedDemoMoney(db: Kysely<DB>, files: FileStore, now: Date): Promise<void> {
  const hasProjects = await db.selectFrom('projects').select('id').limit(1).executeTakeFirst();
  if (hasProjects) return;
  const orgs = new Map(
    (
      await db
        .selectFrom('orgs')
        .innerJoin('org_members', 'org_members.org_id', 'orgs.id')
        .innerJoin('users', 'users.id', 'org_members.user_id')
        .select(['orgs.id', 'users.email', 'users.id as user_id'])
        .where('orgs.status', '=', 'verified')
        .execute()
    ).map((o) => [o.email, o]),
  );
  const sunshine = orgs.get('sunshine@goodtrace.demo');
  const greenhills = orgs.get('greenhills@goodtrace.demo');
  if (!sunshine || !greenhills) return;
  const donor = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('email', '=', 'donor@goodtrace.demo')
    .executeTakeFirst();
  const donations = new Donations(
    db,
    createSandboxProvider({ secret: randomBytes(32).toString('hex') }),
  );
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const day = (d: Date) => d.toISOString().slice(0, 10);

  const textbooks = await createProject(db, sunshine.id, sunshine.user_id, {
    title: '甘孜乡村小学教材计划 Textbooks for Ganzi village schools',
    summary:
      'A full set of new textbooks for 6 village schools in Ganzi, Sichuan. 为甘孜州6所乡村小学购置全套新教材。',
    story:
      'Six village schools in Luhuo and Kangding counties still teach from books printed a decade ago. ' +
      'This project buys a complete set of current textbooks for 640 pupils, ships them up the mountain roads, ' +
      'and builds a small bookshelf in every classroom.\n\n炉霍县和康定市的六所乡村小学仍在使用十年前的教材。本项目为640名学生购置全套现行教材，运送上山，并在每间教室装一个小书架。',
    cause: 'education',
    city: 'Chengdu',
    region: 'Ganzi, Sichuan',
    beneficiaryDescription: '6 village primary schools, 640 pupils',
    goal: { amount: 5_000_000, currency: 'CNY' },
    budget: [
      { label: 'Textbooks 教材', amount: 4_000_000 },
      { label: 'Transport 运输', amount: 600_000 },
      { label: 'Bookshelves 书架', amount: 400_000 },
    ],
    startDate: day(ago(70)),
    endDate: day(new Date(now.getTime() + 120 * DAY)),
  });
  await publishProject(db, sunshine.id, textbooks, ago(65));

  const trees = await createProject(db, greenhills.id, greenhills.user_id, {
    title: '腾格里沙漠边缘一万棵树 10,000 trees on the edge of the Tengger desert',
    summary:
      'Drought-resistant saplings planted and watered for three years with local herders. 与牧民一起种下并养护耐旱树苗三年。',
    story:
      'Sacsaoul and sea-buckthorn hold the sand where nothing else grows. Each ¥8 plants one sapling and pays ' +
      'its watering for the first summer; herders from Wuwei are paid to plant and tend them.\n\n梭梭和沙棘能在寸草不生的地方固沙。每8元种下一棵树苗并支付第一个夏天的浇水；武威的牧民受雇种植和养护。',
    cause: 'environment',
    city: 'Lanzhou',
    region: 'Wuwei, Gansu',
    beneficiaryDescription: 'Herder families of Minqin county and the desert edge they live on',
    goal: { amount: 8_000_000, currency: 'CNY' },
    budget: [
      { label: 'Saplings 树苗', amount: 5_000_000 },
      { label: 'Planting labour 种植人工', amount: 2_500_000 },
      { label: 'Watering 浇水', amount: 500_000 },
    ],
    startDate: day(ago(50)),
    endDate: day(new Date(now.getTime() + 40 * DAY)),
  });
  await publishProject(db, greenhills.id, trees, ago(48));

  // A draft the charity is still writing: not public, not on the log.
  await createProject(db, sunshine.id, sunshine.user_id, {
    title: 'Teacher training summer camp 乡村教师暑期培训',
    summary: 'Two weeks of training for 40 village teachers in Chengdu next summer.',
    story: 'Draft: the programme is being agreed with the county education bureaus.',
    cause: 'education',
    city: 'Chengdu',
    region: 'Sichuan',
    beneficiaryDescription: '40 village teachers',
    goal: { amount: 3_000_000, currency: 'CNY' },
    budget: [{ label: 'Training 培训', amount: 3_000_000 }],
    startDate: day(new Date(now.getTime() + 180 * DAY)),
    endDate: day(new Date(now.getTime() + 200 * DAY)),
  });

  let n = 0;
  type Paid = { id: string; providerRef: string; amount: number };
  async function donate(
    projectId: string,
    amount: number,
    at: Date,
    who: {
      name?: string;
      anonymous?: boolean;
      message?: string;
      donor?: boolean;
      monthly?: boolean;
    },
  ): Promise<Paid> {
    n++;
    const started = await donations.start(
      {
        projectId,
        amount,
        currency: 'CNY',
        frequency: who.monthly ? 'monthly' : 'once',
        anonymous: who.anonymous ?? false,
        displayName: who.name ?? null,
        message: who.message ?? null,
        email: who.donor && donor ? donor.email : `guest${n}@example.org`,
        userId: who.donor && donor ? donor.id : null,
        idempotencyKey: `demo-${n}-${randomUUID()}`,
      },
      at,
    );
    // The sandbox payment the start opened, as the checkout reads it.
    const payment = await donations.checkouts.submit(started.donation.id);
    await donations.applyPayment(
      {
        eventId: `evt_demo_${n}`,
        kind: 'payment.succeeded',
        providerRef: payment!.provider_ref!,
        donationId: started.donation.id,
        amount,
        currency: 'CNY',
        occurredAt: at,
      },
      at,
    );
    return { id: started.donation.id, providerRef: payment!.provider_ref!, amount };
  }

  const names = [
    '小明',
    'Anna K.',
    '王芳',
    null,
    'Teacher Liu',
    '陈先生',
    null,
    'Class 3B, Chengdu No.7 Middle School',
    '李阿姨',
    null,
  ];
  const messages = [
    '加油！',
    'For the kids — 给孩子们',
    null,
    'My daughter picked this project',
    null,
    '读书改变命运',
    null,
  ];
  // The textbooks' spending (¥13,800) is allocated FIFO to donations 0–23 and ¥550 of the
  // demo donor's ¥1,000 donation 24, which is refunded after: the ¥550 becomes owed.
  let refundedLater: Paid | undefined;
  for (let i = 0; i < 28; i++) {
    const name = names[i % names.length];
    const donation = await donate(
      textbooks,
      [10_000, 20_000, 50_000, 100_000, 200_000, 5000, 30_000][i % 7]!,
      ago(60 - i * 1.5),
      {
        ...(name ? { name } : { anonymous: true }),
        ...(messages[i % messages.length] ? { message: messages[i % messages.length]! } : {}),
        donor: i % 9 === 3 || i === 24,
        monthly: i === 3,
      },
    );
    if (i === 24) refundedLater = donation;
  }
  for (let i = 0; i < 18; i++) {
    const name = names[(i + 3) % names.length];
    await donate(trees, [8000, 16_000, 80_000, 40_000, 100_000][i % 5]!, ago(45 - i * 2), {
      ...(name ? { name } : { anonymous: true }),
      donor: i === 5,
    });
  }

  // Spending, with real files as evidence.
  // Uploaded as the routes do: by a member of the charity, or with a confirmation code.
  const store = async (
    bytes: Buffer,
    type: string,
    owner: FileOwner = { orgId: sunshine.id, uploadedBy: sunshine.user_id },
  ) => {
    const f = await files.put(bytes, type);
    await recordUpload(db, f, owner);
    return f.sha256;
  };
  const textbookLines = await db
    .selectFrom('project_budget_lines')
    .select(['id', 'label'])
    .where('project_id', '=', textbooks)
    .orderBy('position')
    .execute();
  const treeLines = await db
    .selectFrom('project_budget_lines')
    .select(['id', 'label'])
    .where('project_id', '=', trees)
    .orderBy('position')
    .execute();

  const school = await createBeneficiary(db, sunshine.id, {
    name: '炉霍县中心小学 Luhuo County Central Primary School',
    kind: 'school',
    region: 'Luhuo, Ganzi',
  });
  const logistics = await createBeneficiary(db, sunshine.id, {
    name: '康定顺达物流 Kangding Shunda Logistics',
    kind: 'supplier',
    region: 'Kangding, Ganzi',
  });
  const nursery = await createBeneficiary(db, greenhills.id, {
    name: '武威绿洲苗圃 Wuwei Oasis Nursery',
    kind: 'supplier',
    region: 'Wuwei, Gansu',
  });

  // Transport paid 40 days ago and never confirmed: the project page flags it overdue.
  const transportInvoice = await store(
    await demoInvoicePdf({
      seller: 'Kangding Shunda Logistics',
      buyer: 'Sunshine Rural Education Foundation',
      number: 'KS-2026-0913',
      date: day(ago(41)),
      items: [['Freight Chengdu → Luhuo, 2.1 t', '¥1,800.00']],
      total: '¥1,800.00',
    }),
    'application/pdf',
  );
  await recordDisbursement(
    db,
    sunshine.id,
    textbooks,
    sunshine.user_id,
    {
      amount: 180_000,
      currency: 'CNY',
      budgetLineId: textbookLines[1]!.id,
      beneficiaryId: logistics.id,
      purpose: 'Freight of the first textbook shipment to Luhuo 首批教材运至炉霍的运费',
      date: day(ago(41)),
      evidence: [{ sha256: transportInvoice, kind: 'invoice' }],
    },
    ago(40),
  );

  const booksInvoice = await store(
    await demoInvoicePdf({
      seller: 'Sichuan Education Press distribution',
      buyer: 'Sunshine Rural Education Foundation',
      number: 'SCEP-88213',
      date: day(ago(12)),
      items: [['Grade 1–6 textbook sets × 240', '¥12,000.00']],
      total: '¥12,000.00',
    }),
    'application/pdf',
  );
  const deliveryPhoto = await store(demoPhotoPng(320, 200, 1), 'image/png');
  const books = await recordDisbursement(
    db,
    sunshine.id,
    textbooks,
    sunshine.user_id,
    {
      amount: 1_200_000,
      currency: 'CNY',
      budgetLineId: textbookLines[0]!.id,
      beneficiaryId: school.id,
      purpose: '240 textbook sets for grades 1–6 一至六年级教材240套',
      date: day(ago(12)),
      evidence: [
        { sha256: booksInvoice, kind: 'invoice' },
        { sha256: deliveryPhoto, kind: 'photo' },
      ],
    },
    ago(10),
  );
  const schoolPhoto = await store(demoPhotoPng(320, 200, 2), 'image/png', {
    disbursementId: books.id,
  });
  await acknowledgeDisbursement(
    db,
    books.ackCode,
    {
      note: '教材已全部收到，谢谢！All 240 sets arrived. — Principal Zeng',
      photoSha256: schoolPhoto,
    },
    ago(8),
  );

  // The donor asked for their money back after the books were bought with part of it.
  if (refundedLater) {
    await donations.applyPayment(
      {
        eventId: `evt_demo_refund_${refundedLater.id}`,
        kind: 'payment.refunded',
        providerRef: refundedLater.providerRef,
        donationId: refundedLater.id,
        amount: refundedLater.amount,
        currency: 'CNY',
        occurredAt: ago(7),
      },
      ago(7),
    );
  }

  const saplingInvoice = await store(
    await demoInvoicePdf({
      seller: 'Wuwei Oasis Nursery',
      buyer: 'Green Hills Tree Planting Association',
      number: 'WON-0457',
      date: day(ago(20)),
      items: [
        ['Saxaul saplings × 800', '¥6,400.00'],
        ['Sea-buckthorn saplings × 200', '¥1,600.00'],
      ],
      total: '¥8,000.00',
    }),
    'application/pdf',
    { orgId: greenhills.id, uploadedBy: greenhills.user_id },
  );
  const saplings = await recordDisbursement(
    db,
    greenhills.id,
    trees,
    greenhills.user_id,
    {
      amount: 800_000,
      currency: 'CNY',
      budgetLineId: treeLines[0]!.id,
      beneficiaryId: nursery.id,
      purpose: '1,000 saplings for the spring planting 春季种植树苗1000棵',
      date: day(ago(20)),
      evidence: [{ sha256: saplingInvoice, kind: 'invoice' }],
    },
    ago(19),
  );
  await acknowledgeDisbursement(
    db,
    saplings.ackCode,
    { note: 'Delivered and paid in full.' },
    ago(17),
  );

  // A few donations after the spending, so projects have unspent money too.
  for (let i = 0; i < 6; i++) {
    await donate(i % 2 ? trees : textbooks, [8800, 20_000, 5000][i % 3]!, ago(5 - i * 0.7), {
      name: names[i]!,
      donor: i === 2,
    });
  }
}
