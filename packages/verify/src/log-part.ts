// A receipt's log part: the checkpoint is signed by the trusted log key (with the trusted
// origin), k of the n trusted witnesses cosigned it, and the event is the leaf at its index in
// that checkpoint's tree. @goodtrace/ledger's verifyReceipt is the only judge; this file runs it
// and, when it refuses, says which of those checks failed.
//
// The checks (C2SP tlog-checkpoint, tlog-cosignature; RFC 9162 §2.1.3.2 inclusion):
//   logSignature  a valid signature line by the log key               (C2SP signed-note)
//   origin        the checkpoint's first line is the trusted origin   (C2SP tlog-checkpoint)
//   witnesses     ≥ quorum trusted cosignatures, none invalid         (C2SP tlog-cosignature)
//   inclusion     the proof leads from the event's leaf hash to the signed root

import {
  encodeBase64,
  isLedgerError,
  type LedgerError,
  type LedgerErrorCode,
  type Receipt,
  type TrustPolicy,
  type VerifiedCheckpoint,
  type VerifiedReceipt,
  type Verifier,
  verifyCheckpoint,
  verifyReceipt,
} from '@goodtrace/ledger';
import { VerifyError } from './errors.js';
import { type Check, fail, pass } from './result.js';
import type { Trust } from './trust.js';

/**
 * What a LedgerError out of verifyReceipt is about. `receipt`: the receipt is not of the
 * receipt's shape (checked before anything else). `trust`: the policy itself is wrong — a
 * caller's error, as parseTrust refuses such a trust. `log`: one of the log part's checks
 * failed; which one is found by running them in order (see diagnose), because a code alone
 * does not say it: `invalid_signature` is the log's when its key alone fails, a witness's
 * when only a witness's key does.
 *
 * A Record over every code, so a new ledger code cannot be left unclassified.
 */
const KIND: Record<LedgerErrorCode, 'receipt' | 'trust' | 'log'> = {
  malformed_receipt: 'receipt',
  invalid_json: 'receipt',
  size_out_of_range: 'receipt',
  invalid_argument: 'trust',
  malformed_key: 'trust',
  unknown_key_type: 'trust',
  key_id_mismatch: 'trust',
  ambiguous_key: 'trust',
  invalid_hash: 'log',
  index_out_of_range: 'log',
  invalid_size: 'log',
  empty_tree: 'log',
  proof_wrong_length: 'log',
  root_mismatch: 'log',
  hash_store: 'log',
  invalid_base64: 'log',
  malformed_note: 'log',
  duplicate_signature: 'log',
  invalid_signature: 'log',
  no_verifiable_signature: 'log',
  unknown_key: 'log',
  malformed_checkpoint: 'log',
  malformed_cosignature: 'log',
  malformed_tile: 'log',
  malformed_compact_range: 'log',
  tree_size_mismatch: 'log',
  origin_mismatch: 'log',
  log_signature_missing: 'log',
  quorum_not_met: 'log',
  crypto_provider: 'log',
};

/** The log part of a receipt: its checks, and the entry once signature, origin and inclusion held. */
export interface LogPart {
  checks: Check[];
  entry?: VerifiedReceipt;
}

function policyOf(trust: Trust, witnesses: Verifier[]): TrustPolicy {
  return {
    logKey: trust.logKey,
    witnesses,
    // The quorum is compared here, not by the ledger, so that too few cosignatures is told
    // apart from a bad one and the inclusion is still checked (a fact waits, or fails).
    quorum: 0,
    ...(trust.origin === undefined ? {} : { origin: trust.origin }),
  };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function witnessCheck(opened: VerifiedCheckpoint, trust: Trust): Check {
  const k = opened.cosignatures.length;
  const vars = {
    k,
    n: trust.witnesses.length,
    quorum: trust.quorum,
    names: opened.cosignatures.map((c) => c.name).join(', '),
  };
  return k >= trust.quorum
    ? pass('witnesses', vars)
    : fail(
        'witnesses',
        'quorum_not_met',
        vars,
        `${k} of the required ${trust.quorum} witness cosignatures verified`,
      );
}

function logSignatureCheck(opened: VerifiedCheckpoint): Check {
  return pass('logSignature', {
    key: opened.logSignature.name,
    keyId: hex8(opened.logSignature.keyId),
  });
}

/** Where a receipt claims its event sits, for a failed inclusion's message. */
function position(receipt: unknown): { index: number | string; size: number | string } {
  const r = receipt as Partial<Receipt>;
  return {
    index: typeof r.leafIndex === 'number' ? r.leafIndex : '?',
    size: typeof r.treeSize === 'number' ? r.treeSize : '?',
  };
}

function asLedgerError(e: unknown): LedgerError {
  // verifyReceipt lets nothing but a LedgerError escape (its guard); anything else is a bug.
  if (isLedgerError(e)) return e;
  throw e;
}

/**
 * After verifyReceipt refused a receipt of the right shape: the log part's checks run one at a
 * time, in order, and the first that fails is the one reported. Each earlier one is listed as
 * passed. If the checkpoint holds under the same keys, verifyReceipt's refusal can only be the
 * inclusion's.
 */
function diagnose(receipt: Receipt, trust: Trust, err: LedgerError): Check[] {
  const checks: Check[] = [];
  let logOnly: VerifiedCheckpoint;
  try {
    // The log's key alone: witness lines are then unknown keys, set aside.
    logOnly = verifyCheckpoint(receipt.checkpoint, policyOf({ ...trust, origin: undefined }, []));
  } catch (e) {
    const le = asLedgerError(e);
    return [fail('logSignature', le.code, { key: trust.logKey.name }, le.message)];
  }
  checks.push(logSignatureCheck(logOnly));
  if (trust.origin !== undefined) {
    const found = logOnly.checkpoint.origin;
    if (found !== trust.origin) {
      checks.push(
        fail(
          'origin',
          'origin_mismatch',
          { origin: trust.origin, found },
          `checkpoint origin is ${found}, want ${trust.origin}`,
        ),
      );
      return checks;
    }
    checks.push(pass('origin', { origin: trust.origin }));
  }
  let cosigned: VerifiedCheckpoint;
  try {
    cosigned = verifyCheckpoint(receipt.checkpoint, policyOf(trust, trust.witnesses));
  } catch (e) {
    const le = asLedgerError(e);
    // The log's signature held, so a trusted witness's line is bad: name it.
    const culprit = trust.witnesses.find((w) => {
      try {
        verifyCheckpoint(receipt.checkpoint, policyOf(trust, [w]));
        return false;
      } catch {
        return true;
      }
    });
    const vars = { n: trust.witnesses.length, quorum: trust.quorum, witness: culprit?.name ?? '?' };
    checks.push(fail('witnesses', le.code, vars, le.message));
    return checks;
  }
  checks.push(witnessCheck(cosigned, trust));
  checks.push(fail('inclusion', err.code, position(receipt), err.message));
  return checks;
}

/**
 * Checks a receipt's log part under `trust`. Never throws for a bad receipt: the checks say
 * which failed. Throws a VerifyError only for a trust that parseTrust would have refused.
 */
export function verifyLogPart(receipt: unknown, trust: Trust): LogPart {
  let entry: VerifiedReceipt;
  try {
    entry = verifyReceipt(receipt, policyOf(trust, trust.witnesses));
  } catch (e) {
    const err = asLedgerError(e);
    switch (KIND[err.code]) {
      case 'receipt':
        return { checks: [fail('receipt', err.code, undefined, err.message)] };
      case 'trust':
        throw new VerifyError('invalid_argument', `the trust is not usable: ${err.message}`, {
          cause: err,
        });
      default:
        // Past the shape check, so an object, or JSON text of one.
        return {
          checks: diagnose(
            (typeof receipt === 'string' ? JSON.parse(receipt) : receipt) as Receipt,
            trust,
            err,
          ),
        };
    }
  }
  const checks = [logSignatureCheck(entry)];
  if (trust.origin !== undefined) checks.push(pass('origin', { origin: trust.origin }));
  checks.push(witnessCheck(entry, trust));
  checks.push(
    pass('inclusion', {
      index: entry.leafIndex,
      size: entry.treeSize,
      leafHash: encodeBase64(entry.leafHash),
      root: encodeBase64(entry.checkpoint.rootHash),
    }),
  );
  return { checks, entry };
}
