import type ExcelJS from 'exceljs';
import type { Kind, Value } from './book-tables.js';

/** How each kind of value in the books is written: as a CSV field, or as an XLSX cell. */

/** Fen to yuan with exactly 2 decimals, in integer arithmetic: 123450 → "1234.50". */
export function yuan(fen: string | number | bigint): string {
  const n = BigInt(fen);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula:
 * a donor name or project title could then exfiltrate data or run a command. A leading
 * apostrophe makes it text (OWASP "CSV injection").
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvCell(v: Value, kind: Kind): string {
  if (v === null) return '';
  switch (kind) {
    case 'money':
      return yuan(v as string | number);
    case 'timestamp':
      return (v as Date).toISOString();
    case 'int':
    case 'date':
      return String(v);
    case 'text':
      return neutraliseFormula(String(v));
  }
}

const MONEY_FORMAT = '"¥"#,##0.00';

export function cellFormat(kind: Kind): string | undefined {
  switch (kind) {
    case 'money':
      return MONEY_FORMAT;
    case 'timestamp':
      return 'yyyy-mm-dd hh:mm:ss';
    case 'date':
      return 'yyyy-mm-dd';
    default:
      return undefined;
  }
}

/** Numbers stay numbers (so the accountant can sum them); text is a string cell, never a formula. */
export function xlsxCell(v: Value, kind: Kind): ExcelJS.CellValue {
  if (v === null) return null;
  switch (kind) {
    case 'money':
      return Number(yuan(v as string | number));
    case 'timestamp':
      return v as Date;
    case 'date':
      return new Date(`${v as string}T00:00:00Z`);
    case 'int':
      return Number(v);
    case 'text':
      return String(v);
  }
}
