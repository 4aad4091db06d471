import { readFileSync } from 'node:fs';
import { verifyCommandLine } from '@goodtrace/verify';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

/** What a printable receipt shows. Amounts in fen. */
export interface ReceiptPdfData {
  donationId: string;
  projectTitle: string;
  orgName: string;
  /** In fen: 123450 is ¥1,234.50. */
  amount: number;
  currency: string;
  paidAt: Date;
  /** The donor's public name, or null for an anonymous donation. */
  displayName: string | null;
  /** The donation.received event's place on the log; null until sequenced. */
  logIndex: number | null;
  leafHashHex: string | null;
  checkpointSize: number | null;
  /** Absolute URL of the receipt page; the QR code points there. */
  receiptUrl: string;
  /** Sandbox money: the receipt must say, unmissably, that no real funds moved. */
  testMoney: boolean;
}

export interface ReceiptPdfOptions {
  /**
   * A TrueType collection or font with CJK glyphs; null for none (English only). Defaults to
   * Debian's fonts-wqy-microhei.
   */
  cjkFont?: { path: string; postscriptName: string } | null;
}

export const DEFAULT_CJK_FONT = {
  path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  // The face inside the collection, by PostScript name (family "WenQuanYi Micro Hei").
  postscriptName: 'WenQuanYiMicroHei',
};

// The font is 5 MB: read once per path, and remember a missing one.
const fontCache = new Map<string, Buffer | null>();

function loadFont(path: string): Buffer | null {
  let font = fontCache.get(path);
  if (font === undefined) {
    try {
      font = readFileSync(path);
    } catch {
      font = null;
    }
    fontCache.set(path, font);
  }
  return font;
}

/** ¥1,234.50 for CNY; "1,234.50 USD" for anything else. */
export function formatAmount(fen: number, currency: string): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return currency === 'CNY' ? `${sign}¥${whole}.${cents}` : `${sign}${whole}.${cents} ${currency}`;
}

/** Beijing time (UTC+8 all year, no daylight saving), as Chinese receipts show it. */
export function formatBeijingTime(at: Date): string {
  const t = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)} (UTC+8)`;
}

/**
 * Without a CJK font only the standard Helvetica is at hand, which covers Latin-1: anything
 * else (a Chinese project title) is shown as "?" rather than as wrong glyphs. The QR code leads
 * to the full receipt page.
 */
function latin1(text: string): string {
  return text.replace(/[^\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d]/gu, '?');
}

const INK = '#1f2937';
const MUTED = '#6b7280';
const RULE = '#d1d5db';
const ALERT = '#b91c1c';

/**
 * A printable, bilingual (Chinese + English) PDF receipt for a paid donation, with a QR code to
 * its receipt page. Chinese labels need a CJK font; without one the receipt is English only.
 */
export async function renderReceiptPdf(
  r: ReceiptPdfData,
  options: ReceiptPdfOptions = {},
): Promise<Buffer> {
  const cjk = options.cjkFont === undefined ? DEFAULT_CJK_FONT : options.cjkFont;
  const fontBytes = cjk ? loadFont(cjk.path) : null;
  const bilingual = fontBytes !== null;
  const qr = await QRCode.toBuffer(r.receiptUrl, {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 2,
    scale: 6,
  });

  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: {
      Title: `Goodtrace donation receipt ${r.donationId}`,
      Subject: r.testMoney ? 'Test money receipt (sandbox)' : 'Donation receipt',
      Creator: 'Goodtrace',
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  if (bilingual) {
    doc.registerFont('text', fontBytes, cjk!.postscriptName);
    doc.registerFont('bold', fontBytes, cjk!.postscriptName);
  } else {
    doc.registerFont('text', 'Helvetica');
    doc.registerFont('bold', 'Helvetica-Bold');
  }
  const say = (text: string) => (bilingual ? text : latin1(text));
  const label = (zh: string, en: string) => (bilingual ? `${zh}  ${en}` : en);

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  let y = doc.page.margins.top;

  if (r.testMoney) {
    const text = bilingual
      ? '测试款项 TEST MONEY — sandbox, no real funds'
      : 'TEST MONEY — sandbox, no real funds';
    doc.rect(left, y, width, 34).fill(ALERT);
    doc
      .font('bold')
      .fontSize(15)
      .fillColor('#ffffff')
      .text(text, left, y + 9, { width, align: 'center' });
    y += 50;
  }

  doc.font('bold').fontSize(22).fillColor(INK).text(label('捐款收据', 'Donation receipt'), left, y);
  y = doc.y + 4;
  doc
    .font('text')
    .fontSize(10)
    .fillColor(MUTED)
    .text(
      bilingual
        ? "Goodtrace 公开账本记录的捐款 · A donation recorded on Goodtrace's public, witnessed log"
        : "A donation recorded on Goodtrace's public, witnessed log",
      left,
      y,
      { width },
    );
  y = doc.y + 16;
  doc
    .moveTo(left, y)
    .lineTo(left + width, y)
    .strokeColor(RULE)
    .lineWidth(1)
    .stroke();
  y += 16;

  // The QR code sits to the right of the details.
  const qrSize = 132;
  const qrX = left + width - qrSize;
  const qrTop = y;
  doc.image(qr, qrX, qrTop, { width: qrSize, height: qrSize });
  doc
    .font('text')
    .fontSize(9)
    .fillColor(MUTED)
    .text(label('扫码核验', 'Scan to verify'), qrX, qrTop + qrSize + 4, {
      width: qrSize,
      align: 'center',
    });

  const labelWidth = bilingual ? 150 : 110;
  const valueX = left + labelWidth;
  // Beside the QR code, then (for the long identifiers) the full width below it.
  let valueWidth = qrX - 16 - valueX;
  const row = (zh: string, en: string, value: string, mono = false) => {
    doc
      .font('text')
      .fontSize(10)
      .fillColor(MUTED)
      .text(label(zh, en), left, y, {
        width: labelWidth - 8,
      });
    const labelBottom = doc.y;
    doc
      .font(mono ? 'Courier' : 'text')
      .fontSize(mono ? 8 : 12)
      .fillColor(INK)
      .text(mono ? value : say(value), valueX, y, { width: valueWidth });
    y = Math.max(doc.y, labelBottom) + 10;
  };

  row('金额', 'Amount', formatAmount(r.amount, r.currency));
  row('项目', 'Project', r.projectTitle);
  row('慈善组织', 'Charity', r.orgName);
  row('捐款人', 'Donor', r.displayName ?? (bilingual ? '匿名 Anonymous' : 'Anonymous'));
  row('付款时间', 'Paid at', formatBeijingTime(r.paidAt));
  y = Math.max(y, qrTop + qrSize + 24);
  valueWidth = left + width - valueX;
  row('捐款编号', 'Donation ID', r.donationId, true);
  if (r.logIndex !== null && r.checkpointSize !== null) {
    row('账本位置', 'Log entry', `#${r.logIndex} in a tree of ${r.checkpointSize} entries`);
  } else {
    row(
      '账本位置',
      'Log entry',
      bilingual ? '待记入账本 Not yet on the log' : 'Not yet on the log',
    );
  }
  if (r.leafHashHex !== null) row('叶哈希', 'Leaf hash (SHA-256)', r.leafHashHex, true);

  y += 8;
  doc
    .moveTo(left, y)
    .lineTo(left + width, y)
    .strokeColor(RULE)
    .lineWidth(1)
    .stroke();
  y += 14;
  const explain = [
    bilingual
      ? '这笔捐款作为一条事件记入 Goodtrace 的公开账本，账本由独立见证方共同签名。捐款人的姓名不上账本。'
      : '',
    "This donation is an event on Goodtrace's public log, whose checkpoints independent witnesses " +
      'cosign. No donor name is on the log. Check it yourself: download the receipt (JSON) from the ' +
      "page the QR code opens and run Goodtrace's command-line tool in a copy of its open-source " +
      'code (after npm install):',
  ].filter(Boolean);
  doc.font('text').fontSize(9).fillColor(MUTED);
  for (const p of explain) {
    doc.text(p, left, y, { width });
    y = doc.y + 4;
  }
  doc
    .font('Courier')
    .fontSize(8.5)
    .fillColor(INK)
    .text(verifyCommandLine(latin1(new URL(r.receiptUrl).origin)), left, y, {
      width,
    });
  y = doc.y + 4;
  doc
    .font('Courier')
    .fontSize(8)
    .fillColor(MUTED)
    .text(latin1(r.receiptUrl), left, y, { width, link: r.receiptUrl });

  doc.end();
  return done;
}
