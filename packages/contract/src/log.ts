import { type Static, Type } from 'typebox';
import { ALARM_KINDS } from './lists.js';
import { Nullable, Timestamp } from './values.js';

/** The log's JSON conveniences under /api/log (apps/server/src/ledger/routes.ts). */

/** A JSON value, as on the log (the same type as @goodtrace/ledger's). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * An event as it stands on the log, of any type (events.ts has each known type). Readers get
 * it exactly as logged — its RFC 8785 canonical JSON is the leaf they hash — so the schema lets
 * every member through rather than trimming what it does not list.
 */
export const LogEvent = Type.Object(
  {
    type: Type.String(),
    v: Type.Integer({ minimum: 1 }),
    at: Type.String(),
    data: Type.Unsafe<{ [key: string]: JsonValue }>(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: true },
);
export type LogEvent = Static<typeof LogEvent>;

const Size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Base64 of a 32-byte hash. */
const Base64 = Type.String();

export const LogEntry = Type.Object({
  index: Size,
  event: LogEvent,
  leafHash: Base64,
  queuedAt: Timestamp,
  sequencedAt: Timestamp,
});
export type LogEntry = Static<typeof LogEntry>;

export const LogEntries = Type.Object({ treeSize: Size, items: Type.Array(LogEntry) });
export type LogEntries = Static<typeof LogEntries>;

export const LogEntriesQuery = Type.Object({
  from: Type.Optional(Size),
  limit: Type.Integer({ minimum: 1, maximum: 256, default: 20 }),
});
export const LogIndexParams = Type.Object({ index: Size });

export const InclusionProof = Type.Object({
  index: Size,
  treeSize: Size,
  leafHash: Base64,
  proof: Type.Array(Base64),
  checkpoint: Type.String(),
});
export type InclusionProof = Static<typeof InclusionProof>;
export const InclusionProofQuery = Type.Object({ index: Size, treeSize: Type.Optional(Size) });

export const ConsistencyProof = Type.Object({
  from: Size,
  to: Size,
  proof: Type.Array(Base64),
  oldCheckpoint: Type.String(),
  newCheckpoint: Type.String(),
});
export type ConsistencyProof = Static<typeof ConsistencyProof>;
export const ConsistencyProofQuery = Type.Object({ from: Size, to: Type.Optional(Size) });

/** A ledger receipt (@goodtrace/ledger's `Receipt`): checked offline against the log's key. */
export const Receipt = Type.Object({
  version: Type.Literal(1),
  event: LogEvent,
  leafIndex: Size,
  treeSize: Size,
  /** Base64 hashes, leaf sibling first. */
  inclusionProof: Type.Array(Base64),
  /** The signed checkpoint note with its witness cosignatures. */
  checkpoint: Type.String(),
});
export type Receipt = Static<typeof Receipt>;

/** Answered with 202 while the log has not yet sequenced the event. */
export const ReceiptPending = Type.Object({ status: Type.Literal('pending') });
export type ReceiptPending = Static<typeof ReceiptPending>;

export const EventIdParams = Type.Object({
  eventId: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }),
});

/** A witness as /api/log names it; a client checks its cosignature with `verifierKey`. */
export const LogWitness = Type.Object({
  name: Type.String(),
  url: Type.String(),
  /** Its cosignature/v1 verifier key (name+id+base64). */
  verifierKey: Type.String(),
  /** The server's own view; a client checks the cosignature itself instead. */
  cosigned: Type.Boolean(),
});
export type LogWitness = Static<typeof LogWitness>;

export const LogInfo = Type.Object({
  origin: Type.String(),
  verifierKey: Type.String(),
  treeSize: Size,
  rootHash: Base64,
  /** The signed note, with any witness cosignature lines. */
  checkpoint: Type.String(),
  /** How many of the witnesses must cosign a checkpoint before receipts use it (k of n). */
  quorum: Size,
  witnesses: Type.Array(LogWitness),
});
export type LogInfo = Static<typeof LogInfo>;

export const AlarmKind = Type.Enum(ALARM_KINDS);
export type AlarmKind = Static<typeof AlarmKind>;

export const Alarm = Type.Object({
  id: Type.String(),
  kind: AlarmKind,
  witness: Type.String(),
  treeSize: Size,
  detail: Type.String(),
  createdAt: Timestamp,
});
export type Alarm = Static<typeof Alarm>;
export const Alarms = Type.Object({ items: Type.Array(Alarm) });
export const AlarmsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});

/** The newest checkpoint witnesses cosigned: the note with their lines, and when each did. */
export const CosignedCheckpoint = Type.Object({
  treeSize: Size,
  signedAt: Timestamp,
  note: Type.String(),
  cosignatures: Type.Array(Type.Object({ witness: Type.String(), at: Timestamp })),
});
export type CosignedCheckpoint = Static<typeof CosignedCheckpoint>;
export const LatestCosigned = Type.Object({ checkpoint: Nullable(CosignedCheckpoint) });
export type LatestCosigned = Static<typeof LatestCosigned>;
