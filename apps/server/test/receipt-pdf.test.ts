import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { verifyCommandLine } from '@goodtrace/verify';
import jsQR from 'jsqr';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  type PDFDocument as PDFLibDocument,
  PDFName,
  type PDFNumber,
  type PDFRawStream,
  type PDFRef,
} from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CJK_FONT,
  formatAmount,
  formatBeijingTime,
  type ReceiptPdfData,
  renderReceiptPdf,
} from '../src/receipts/receipt-pdf.js';

const receipt: ReceiptPdfData = {
  donationId: '0195d3c2-1111-7000-8000-000000000042',
  projectTitle: '山区小学午餐计划 School lunches',
  orgName: '春雨公益基金会',
  amount: 123450,
  currency: 'CNY',
  paidAt: new Date('2026-11-26T09:01:00Z'),
  displayName: '李雷',
  logIndex: 41,
  leafHashHex: '9f'.repeat(32),
  checkpointSize: 1000,
  receiptUrl: 'https://goodtrace.example/receipts/0195d3c2-1111-7000-8000-000000000042',
  testMoney: false,
};

function streamBytes(doc: PDFLibDocument, ref: unknown): Buffer {
  const stream = doc.context.lookup(ref as PDFRef) as PDFRawStream;
  const filter = stream.dict.lookup(PDFName.of('Filter'));
  const raw = Buffer.from(stream.contents);
  return filter === PDFName.of('FlateDecode') ? inflateSync(raw) : raw;
}

/** A ToUnicode CMap's code → text table (bfchar and bfrange, as PDF 32000-1 §9.10.3 has them). */
function readToUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const utf16 = (hex: string) => Buffer.from(hex, 'hex').swap16().toString('utf16le');
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>/gi)) {
      map.set(Number.parseInt(m[1]!, 16), utf16(m[2]!));
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(
      /<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*(\[[^\]]*\]|<[0-9a-f]+>)/gi,
    )) {
      const lo = Number.parseInt(m[1]!, 16);
      const hi = Number.parseInt(m[2]!, 16);
      const targets = [...m[3]!.matchAll(/<([0-9a-f]+)>/gi)].map((t) => t[1]!);
      for (let code = lo; code <= hi; code++) {
        if (m[3]!.startsWith('[')) map.set(code, utf16(targets[code - lo]!));
        else {
          const first = Buffer.from(targets[0]!, 'hex').swap16();
          first.writeUInt16LE(first.readUInt16LE(first.length - 2) + code - lo, first.length - 2);
          map.set(code, first.toString('utf16le'));
        }
      }
    }
  }
  return map;
}

/** WinAnsiEncoding differs from Latin-1 in 0x80–0x9F; these are the ones a receipt may show. */
const WIN_ANSI_EXTRAS: Record<number, string> = {
  128: '€',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  150: '–',
  151: '—',
};

/**
 * The text of a PDF page, one line per shown string: decodes the content stream's TJ/Tj
 * strings with each font's ToUnicode map (embedded fonts) or WinAnsi (standard fonts).
 */
function pageText(doc: PDFLibDocument, index: number): string {
  const page = doc.getPage(index);
  const fonts = page.node.Resources()!.lookup(PDFName.of('Font'), PDFDict);
  const decoders = new Map<string, (hex: string) => string>();
  for (const [name, ref] of fonts.entries()) {
    const font = doc.context.lookup(ref) as PDFDict;
    const toUnicode = font.get(PDFName.of('ToUnicode'));
    if (toUnicode) {
      const map = readToUnicode(streamBytes(doc, toUnicode).toString('latin1'));
      decoders.set(name.decodeText(), (hex) =>
        (hex.match(/..../g) ?? []).map((c) => map.get(Number.parseInt(c, 16)) ?? '\ufffd').join(''),
      );
    } else {
      decoders.set(name.decodeText(), (hex) =>
        Array.from(
          Buffer.from(hex, 'hex'),
          (b) => WIN_ANSI_EXTRAS[b] ?? String.fromCharCode(b),
        ).join(''),
      );
    }
  }
  const contents = page.node.Contents()!;
  const refs =
    contents instanceof PDFArray ? contents.asArray() : [page.node.get(PDFName.of('Contents'))];
  const ops = refs.map((r) => streamBytes(doc, r).toString('latin1')).join('\n');
  const lines: string[] = [];
  let font = '';
  for (const m of ops.matchAll(/\/(\S+) [\d.]+ Tf|\[(.*?)\] TJ|<([0-9a-f]*)> Tj/gi)) {
    if (m[1] !== undefined) font = m[1];
    else {
      const hexes =
        m[2] !== undefined ? [...m[2].matchAll(/<([0-9a-f]*)>/gi)].map((h) => h[1]!) : [m[3]!];
      lines.push(hexes.map((h) => decoders.get(font)!(h)).join(''));
    }
  }
  return lines.join('\n');
}

/** Decodes the page's one image (the QR code) back to a string with jsQR. */
function readQrCode(doc: PDFLibDocument): string | undefined {
  const xobjects = doc.getPage(0).node.Resources()!.lookup(PDFName.of('XObject'), PDFDict);
  const images = xobjects
    .entries()
    .map(([, ref]) => ref)
    .filter(
      (ref) =>
        (doc.context.lookup(ref) as PDFRawStream).dict.get(PDFName.of('Subtype')) ===
        PDFName.of('Image'),
    );
  expect(images).toHaveLength(1);
  const image = doc.context.lookup(images[0]!) as PDFRawStream;
  const num = (key: string) => (image.dict.lookup(PDFName.of(key)) as PDFNumber).asNumber();
  const [width, height] = [num('Width'), num('Height')];
  expect(num('BitsPerComponent')).toBe(8);
  const channels = image.dict.get(PDFName.of('ColorSpace')) === PDFName.of('DeviceRGB') ? 3 : 1;
  let pixels = streamBytes(doc, images[0]);
  if (image.dict.get(PDFName.of('DecodeParms'))) {
    // PNG predictors: every row starts with a filter byte; qrcode's flat images use 0 (None).
    const row = width * channels;
    const out = Buffer.alloc(row * height);
    for (let y = 0; y < height; y++) {
      expect(pixels[y * (row + 1)]).toBe(0);
      pixels.copy(out, y * row, y * (row + 1) + 1, (y + 1) * (row + 1));
    }
    pixels = out;
  }
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = pixels[i * channels + (channels === 3 ? c : 0)]!;
    rgba[i * 4 + 3] = 255;
  }
  return jsQR(rgba, width, height)?.data;
}

async function open(pdf: Buffer) {
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const doc = await PDFDocument.load(pdf);
  return { doc, text: pageText(doc, 0) };
}

const hasCjkFont = existsSync(DEFAULT_CJK_FONT.path);

describe('printable PDF receipt', () => {
  it('is a one-page PDF with the donation id, the amount and the log entry (English-only without a CJK font)', async () => {
    const { doc, text } = await open(await renderReceiptPdf(receipt, { cjkFont: null }));
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe(`Goodtrace donation receipt ${receipt.donationId}`);
    expect(text).toContain('Donation receipt');
    expect(text).toContain(receipt.donationId);
    expect(text).toContain('¥1,234.50');
    expect(text).toContain('#41 in a tree of 1000 entries');
    expect(text).toContain('9f'.repeat(32));
    expect(text).toContain('2026-11-26 17:01 (UTC+8)');
    expect(text).toContain('李雷'.replace(/./g, '?'));
    // No glyph Helvetica cannot draw reaches the page, and no Chinese label is attempted.
    expect(text).not.toMatch(/[\u4e00-\u9fff]/);
    expect(text).not.toContain('TEST MONEY');
    // The command to check it is one that runs from a copy of the code, as the web shows it.
    expect(text).toContain(verifyCommandLine('https://goodtrace.example'));
  });

  it('carries a QR code that decodes to the receipt page URL', async () => {
    const { doc } = await open(await renderReceiptPdf(receipt, { cjkFont: null }));
    expect(readQrCode(doc)).toBe(receipt.receiptUrl);
  });

  it('shows a test-money banner for sandbox donations', async () => {
    const { text } = await open(
      await renderReceiptPdf({ ...receipt, testMoney: true }, { cjkFont: null }),
    );
    expect(text.split('\n')[0]).toBe('TEST MONEY — sandbox, no real funds');
  });

  it('says when the donation is not on the log yet, and who gave anonymously', async () => {
    const { text } = await open(
      await renderReceiptPdf(
        { ...receipt, logIndex: null, leafHashHex: null, checkpointSize: null, displayName: null },
        { cjkFont: null },
      ),
    );
    expect(text).toContain('Not yet on the log');
    expect(text).toContain('Anonymous');
    expect(text).not.toContain('Leaf hash');
  });

  it('falls back to English when the CJK font file is missing', async () => {
    const { text } = await open(
      await renderReceiptPdf(receipt, {
        cjkFont: { path: '/nonexistent/font.ttc', postscriptName: 'X' },
      }),
    );
    expect(text).toContain('Donation receipt');
    expect(text).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it.skipIf(!hasCjkFont)(
    'with the CJK font, labels and names are bilingual (Chinese + English)',
    async () => {
      const pdf = await renderReceiptPdf({ ...receipt, testMoney: true });
      const { doc, text } = await open(pdf);
      expect(text).toContain('测试款项 TEST MONEY — sandbox, no real funds');
      expect(text).toContain('捐款收据  Donation receipt');
      expect(text).toContain('金额  Amount');
      expect(text).toContain('¥1,234.50');
      expect(text).toContain('山区小学午餐计划 School lunches');
      expect(text).toContain('春雨公益基金会');
      expect(text).toContain('李雷');
      expect(text).toContain(receipt.donationId);
      expect(readQrCode(doc)).toBe(receipt.receiptUrl);
      // The font is embedded (subset), so the receipt prints the same anywhere.
      expect(pdf.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+WenQuanYiMicroHei/);
    },
  );
});

describe('receipt formatting', () => {
  it.each([
    [0, '¥0.00'],
    [5, '¥0.05'],
    [5000, '¥50.00'],
    [123450, '¥1,234.50'],
    [1_000_000_000_00, '¥1,000,000,000.00'],
  ])('formats %i fen as %s', (fen, text) => {
    expect(formatAmount(fen, 'CNY')).toBe(text);
  });

  it('names other currencies after the amount', () => {
    expect(formatAmount(123450, 'USD')).toBe('1,234.50 USD');
  });

  it('shows Beijing time, across a date change', () => {
    expect(formatBeijingTime(new Date('2026-12-31T16:30:00Z'))).toBe('2027-01-01 00:30 (UTC+8)');
  });
});
