import { CHECK_NAMES, FACT_REASONS, VERIFY_ERROR_CODES } from '@goodtrace/verify';
import { describe, expect, test } from 'vitest';
import { en } from '../src/i18n/en.js';
import { zhCN } from '../src/i18n/zh-CN.js';

/**
 * The receipt pages say what @goodtrace/verify checked in the reader's language: every check
 * it can list has a label and every reason it can give has words, in English and in Chinese,
 * so a failure never shows as a bare code.
 */

/** The ledger codes a receipt's log part reports (the rest are a caller's errors). */
const LEDGER_REASONS = [
  'malformed_receipt',
  'invalid_json',
  'size_out_of_range',
  'log_signature_missing',
  'no_verifiable_signature',
  'invalid_signature',
  'duplicate_signature',
  'malformed_note',
  'malformed_checkpoint',
  'origin_mismatch',
  'quorum_not_met',
  'root_mismatch',
  'tree_size_mismatch',
  'proof_wrong_length',
  'index_out_of_range',
  'invalid_base64',
];

describe.each([
  ['en', en as Record<string, string>],
  ['zh-CN', zhCN as Record<string, string>],
])('the %s words for verification', (_, messages) => {
  test('label every check', () => {
    for (const name of CHECK_NAMES) expect(messages[`verify.check.${name}`], name).toBeTruthy();
  });

  test('say every reason a fact can fail or wait for', () => {
    for (const reason of [...FACT_REASONS, ...VERIFY_ERROR_CODES, ...LEDGER_REASONS])
      expect(messages[`verify.reason.${reason}`], reason).toBeTruthy();
  });
});
