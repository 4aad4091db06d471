import {
  type Checkpoint,
  decodeBase64,
  emptyRoot,
  isLedgerError,
  openNote,
  parseCheckpoint,
  splitNote,
  type Verifier,
  verifyConsistency,
} from '@goodtrace/ledger';
import type { LogState } from './witness-state.js';

/**
 * The checks of C2SP tlog-witness `add-checkpoint`, as plain functions: parse the body, then
 * decide against the state held for the checkpoint's origin. The server runs the decision and
 * the state update under one lock.
 */

/** A refusal with the status code the spec gives it. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    /** A stable word for logs: why it was refused. */
    readonly reason: string,
    message: string,
    /** For 409: the size of the latest checkpoint cosigned for that origin. */
    readonly size?: number,
    /**
     * Set when the checkpoint carries a valid signature of the log's key and contradicts the
     * one cosigned: evidence that the log shows different histories (see witness-alarms.ts).
     */
    readonly conflict?: Conflict,
  ) {
    super(message);
  }
}

/** A validly signed checkpoint that contradicts the one the witness cosigned. */
export interface Conflict {
  /** same_size_other_root proves a fork (two signed trees of one size); inconsistent_proof
   *  shows the proof does not connect them: a fork, or a log that built a wrong proof. */
  kind: 'same_size_other_root' | 'inconsistent_proof';
  origin: string;
  size: number;
  /** The refused checkpoint with the log's verified signature lines. */
  refused: string;
}

export interface AddCheckpointRequest {
  old: number;
  proof: Uint8Array[];
  /** The signed checkpoint as submitted (it may carry several signatures). */
  note: string;
}

/** The spec allows at most 63 consistency proof lines. */
const MAX_PROOF = 63;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** Parses an add-checkpoint body; a Refusal 400 when it is not one. */
export function parseAddCheckpoint(body: Uint8Array): AddCheckpointRequest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new Refusal(400, 'malformed', 'the body is not UTF-8');
  }
  // The old size line and the proof lines never hold an empty line: the first one ends them.
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw new Refusal(400, 'malformed', 'no empty line before the checkpoint');
  const [oldLine, ...proofLines] = text.slice(0, blank).split('\n');
  const m = /^old (.*)$/.exec(oldLine!);
  if (!m || !DECIMAL.test(m[1]!) || !Number.isSafeInteger(Number(m[1]))) {
    throw new Refusal(400, 'malformed', 'the first line must be "old <size>" in decimal');
  }
  if (proofLines.length > MAX_PROOF) {
    throw new Refusal(400, 'malformed', `more than ${MAX_PROOF} consistency proof lines`);
  }
  const proof = proofLines.map((line, i) => {
    try {
      return decodeBase64(line, 32);
    } catch {
      throw new Refusal(400, 'malformed', `proof line ${i + 1} is not a base64 32-byte hash`);
    }
  });
  return { old: Number(m[1]), proof, note: text.slice(blank + 2) };
}

/** What a checked request may be cosigned as. */
export interface Accepted {
  origin: string;
  checkpoint: Checkpoint;
  /** The checkpoint text (no signature lines): what a cosignature signs. */
  text: string;
  /** The text with the log's verified signature lines, to keep as the state's note. */
  signedByLog: string;
}

/**
 * Runs the spec's checks in its order: malformed checkpoint (400), unknown origin (404), no
 * valid signature by a trusted log key (403), old size beyond the checkpoint (400), old size
 * not the one last cosigned (409 with that size), a size-0 checkpoint without the empty root,
 * a proof from 0, or a failing consistency proof (422), the same size with another root (409).
 */
export function checkAddCheckpoint(
  req: AddCheckpointRequest,
  logs: ReadonlyMap<string, Verifier[]>,
  stateOf: (origin: string) => LogState | undefined,
): Accepted {
  let text: string;
  let checkpoint: Checkpoint;
  try {
    text = splitNote(req.note).text;
    checkpoint = parseCheckpoint(text);
  } catch (e) {
    throw new Refusal(400, 'malformed', `not a signed checkpoint: ${(e as Error).message}`);
  }
  const verifiers = logs.get(checkpoint.origin);
  if (!verifiers) {
    throw new Refusal(404, 'unknown_origin', `this witness does not watch "${checkpoint.origin}"`);
  }
  let logLines: string;
  try {
    const opened = openNote(req.note, verifiers);
    logLines = opened.signatures.map((s) => `\u2014 ${s.name} ${s.base64}\n`).join('');
  } catch (e) {
    if (isLedgerError(e, 'no_verifiable_signature') || isLedgerError(e, 'invalid_signature')) {
      throw new Refusal(403, 'log_signature', `no valid signature by the log's key: ${e.message}`);
    }
    throw new Refusal(400, 'malformed', `not a signed checkpoint: ${(e as Error).message}`);
  }
  const { old, proof } = req;
  if (old > checkpoint.size) {
    throw new Refusal(
      400,
      'old_beyond_size',
      `old size ${old} is beyond the checkpoint's ${checkpoint.size}`,
    );
  }
  const held = stateOf(checkpoint.origin);
  const heldSize = held?.size ?? 0;
  const signedByLog = `${text}\n${logLines}`;
  const conflict = (kind: Conflict['kind']): Conflict => ({
    kind,
    origin: checkpoint.origin,
    size: checkpoint.size,
    refused: signedByLog,
  });
  // Checked before the old size: whatever size the sender believes we hold, a second signed
  // tree of the size we cosigned is a fork.
  if (held && checkpoint.size === held.size && !equal(held.rootHash, checkpoint.rootHash)) {
    throw new Refusal(
      409,
      'root_mismatch',
      `a checkpoint of size ${heldSize} with another root than the one cosigned`,
      heldSize,
      conflict('same_size_other_root'),
    );
  }
  if (old !== heldSize) {
    throw new Refusal(
      409,
      'old_size_mismatch',
      `old size ${old}, but the latest checkpoint cosigned is of size ${heldSize}`,
      heldSize,
    );
  }
  const accepted = { origin: checkpoint.origin, checkpoint, text, signedByLog };
  if (checkpoint.size === 0 && !equal(checkpoint.rootHash, emptyRoot())) {
    throw new Refusal(422, 'bad_empty_root', 'a checkpoint of size 0 must have the empty root');
  }
  if (old === 0) {
    if (proof.length !== 0)
      throw new Refusal(422, 'bad_proof', 'a proof from size 0 must be empty');
    return accepted;
  }
  if (old === checkpoint.size) {
    // Same size and (checked above) the same root.
    if (proof.length !== 0) throw new Refusal(422, 'bad_proof', 'equal sizes need an empty proof');
    return accepted;
  }
  try {
    verifyConsistency({
      oldSize: old,
      newSize: checkpoint.size,
      proof,
      oldRoot: held!.rootHash,
      newRoot: checkpoint.rootHash,
    });
  } catch (e) {
    throw new Refusal(
      422,
      'inconsistent',
      `the proof does not show ${checkpoint.size} extends the cosigned ${old}: ${(e as Error).message}`,
      undefined,
      conflict('inconsistent_proof'),
    );
  }
  return accepted;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
