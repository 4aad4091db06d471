import { type Static, type TSchema, Type } from 'typebox';
import { causes } from './lists.js';

/** Shared value schemas: what every context's requests and answers are made of. */

export const Uuid = Type.String({ format: 'uuid' });
export type Uuid = Static<typeof Uuid>;

/** A file's or a text's SHA-256, lowercase hex: how the log names evidence. */
export const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
export type Sha256 = Static<typeof Sha256>;

/** A calendar day, YYYY-MM-DD. */
export const IsoDate = Type.String({ format: 'date' });
export type IsoDate = Static<typeof IsoDate>;

/** An instant, RFC 3339 in UTC as `Date.prototype.toISOString` writes it. */
export const Timestamp = Type.String({ format: 'date-time' });
export type Timestamp = Static<typeof Timestamp>;

/** An amount of money in fen, the minor unit of CNY: 5000 is ¥50.00. */
export const Fen = Type.Integer({ description: 'In fen: 5000 is ¥50.00' });

/** An ISO 4217 code; CNY is the only one accepted today (the server says so with a code). */
export const Currency = Type.String({ minLength: 3, maxLength: 3, description: 'CNY' });

// Closed: an unknown field in a request is refused (validation_failed), never dropped.
export const Money = Type.Object(
  { amount: Fen, currency: Currency },
  { additionalProperties: false },
);
export type Money = Static<typeof Money>;

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });

export const Cause = Type.Enum(causes);
export type Cause = Static<typeof Cause>;

/** Text that must not be blank once trimmed, with a length cap. */
export function Text(maxLength: number, minLength = 1) {
  return Type.String({ minLength, maxLength, pattern: '\\S' });
}

/** The query of every list: `page` from 1, `pageSize` 1–100. */
export const PageQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});
export type PageQuery = Static<typeof PageQuery>;

/** One page of a list: `{ items, total, page, pageSize }`. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0 }),
    page: Type.Integer({ minimum: 1 }),
    pageSize: Type.Integer({ minimum: 1 }),
  });
}
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** A list answered whole, without paging. */
export function Items<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item) });
}
export interface Items<T> {
  items: T[];
}

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
