import { describe, expect, it } from 'vitest';
import * as ledger from '../src/index.js';

describe('the public API', () => {
  it('exports the names other tools rely on', () => {
    const required = [
      'hashLeaf',
      'hashChildren',
      'rootHash',
      'proveInclusion',
      'proveConsistency',
      'verifyInclusion',
      'verifyConsistency',
      'generateSignerKey',
      'signNote',
      'parseVerifierKey',
      'openNote',
      'parseCheckpoint',
      'formatCheckpoint',
      'cosign',
      'verifyCosignature',
      'tilePath',
      'verifyReceipt',
      'CompactRange',
      'LedgerError',
      'setCryptoProvider',
      'donorCommitment',
      'parseDonorSecret',
      'hasLoneSurrogate',
    ];
    for (const name of required)
      expect(typeof (ledger as Record<string, unknown>)[name], name).toBe('function');
  });

  it('rootHash of no leaves is SHA-256("")', () => {
    expect(Buffer.from(ledger.rootHash([])).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('generateSignerKey makes Go-format keys that sign and verify', () => {
    const { signerKey, verifierKey } = ledger.generateSignerKey('goodtrace.example/log');
    expect(signerKey).toMatch(
      /^PRIVATE\+KEY\+goodtrace\.example\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/,
    );
    expect(verifierKey).toMatch(/^goodtrace\.example\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    const opened = ledger.openNote(ledger.signNote('hi\n', [signerKey]), [
      ledger.parseVerifierKey(verifierKey),
    ]);
    expect(opened.signatures[0]!.name).toBe('goodtrace.example/log');
  });

  it('signNote signs the same with a key given parsed as with its string, and refuses a witness key either way', () => {
    const { signerKey } = ledger.generateSignerKey('goodtrace.example/log');
    const parsed = ledger.parseSignerKey(signerKey);
    expect(ledger.signNote('hi\n', [parsed])).toBe(ledger.signNote('hi\n', [signerKey]));
    expect(() => ledger.signNote('hi\n', [parsed, signerKey])).toThrow(/given twice/);
    expect(() => ledger.signNote('hi\n', [null as unknown as string])).toThrow(
      /parseSignerKey results/,
    );
    const witness = ledger.generateSignerKey('w.example', {
      type: ledger.KEY_TYPE_COSIGNATURE_V1,
    }).signerKey;
    expect(() => ledger.signNote('hi\n', [ledger.parseSignerKey(witness)])).toThrow(/Ed25519/);
  });

  it('LedgerError carries a code from the closed list', () => {
    try {
      ledger.verifyInclusion({
        leafHash: new Uint8Array(32),
        index: 0,
        treeSize: 0,
        proof: [],
        rootHash: new Uint8Array(32),
      });
    } catch (e) {
      expect(e).toBeInstanceOf(ledger.LedgerError);
      expect(ledger.LEDGER_ERROR_CODES).toContain((e as ledger.LedgerError).code);
    }
    expect(new Set(ledger.LEDGER_ERROR_CODES).size).toBe(ledger.LEDGER_ERROR_CODES.length);
  });

  it('a donor commitment is hex SHA-256(secret ‖ utf8(donation id)), and refuses a secret that is not 32 bytes', () => {
    const secret = ledger.parseDonorSecret(
      '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20',
    )!;
    expect(secret).toEqual(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
    // Computed independently: node -e "crypto.createHash('sha256').update(secret).update(id)".
    expect(ledger.donorCommitment(secret, '3f2b9a64-0c1d-4e5f-8a9b-0c1d2e3f4a5b')).toBe(
      '80d7a04649d2fe611e05a469f6dfb7f13cdf9f03c135fb4345d60aa3b5a26883',
    );
    expect(ledger.parseDonorSecret('0102')).toBeNull();
    expect(ledger.parseDonorSecret('zz'.repeat(32))).toBeNull();
    expect(() => ledger.donorCommitment(new Uint8Array(31), 'x')).toThrow(ledger.LedgerError);
  });
});
