/**
 * What a charity's books export holds (docs/money.md "Books export"): its tables, each
 * table's columns with the kind of value in each, and the workbook's sheet names.
 */

export const bookTables = ['donations', 'disbursements', 'allocations', 'balances'] as const;
export type BookTable = (typeof bookTables)[number];

export function isBookTable(name: string): name is BookTable {
  return (bookTables as readonly string[]).includes(name);
}

export type Kind = 'text' | 'money' | 'int' | 'timestamp' | 'date';
export interface Column {
  header: string;
  kind: Kind;
  width: number;
}
/** money: fen as an integer (bigint columns arrive as strings); date: 'YYYY-MM-DD'. */
export type Value = string | number | Date | null;
export type Row = Value[];

const col = (header: string, kind: Kind, width = 14): Column => ({ header, kind, width });
const id = (header: string) => col(header, 'text', 38);

export const columns: Record<BookTable, Column[]> = {
  donations: [
    id('donation id'),
    id('project id'),
    col('project', 'text', 30),
    col('paid at (UTC)', 'timestamp', 20),
    col('amount', 'money'),
    col('status', 'text', 10),
    col('refunded at (UTC)', 'timestamp', 20),
    col('allocated', 'money'),
    col('unspent', 'money'),
    // A donation taken back after some of it was spent: that part is owed.
    col('owed', 'money'),
    col('donor', 'text', 20),
    col('monthly', 'text', 9),
    col('log index', 'int', 10),
  ],
  disbursements: [
    id('disbursement id'),
    id('project id'),
    col('project', 'text', 30),
    col('date', 'date', 12),
    col('amount', 'money'),
    col('budget line', 'text', 20),
    col('payee', 'text', 24),
    col('payee kind', 'text', 10),
    col('payee region', 'text', 14),
    col('purpose', 'text', 30),
    col('evidence sha256', 'text', 66),
    col('confirmed at (UTC)', 'timestamp', 20),
    col('log index', 'int', 10),
  ],
  allocations: [id('disbursement id'), id('donation id'), col('amount', 'money')],
  balances: [
    col('row', 'text', 12),
    id('project id'),
    col('project', 'text', 30),
    col('status', 'text', 10),
    col('budget line', 'text', 20),
    col('goal / budget', 'money'),
    col('raised', 'money'),
    col('refunded', 'money'),
    col('owed', 'money'),
    col('spent', 'money'),
    col('confirmed', 'money'),
    col('unspent', 'money'),
  ],
};

export const sheetNames: Record<BookTable, string> = {
  donations: 'Donations',
  disbursements: 'Disbursements',
  allocations: 'Allocations',
  balances: 'Balances',
};
