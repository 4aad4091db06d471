import {
  encodeVerifierKey,
  generateSignerKey,
  KEY_TYPE_COSIGNATURE_V1,
  parseVerifierKey,
} from '@goodtrace/ledger';
import { describe, expect, it } from 'vitest';
import {
  parseTrust,
  readLogDescription,
  trustFromLog,
  type VerifyErrorCode,
} from '../src/index.js';
import { makeLog, ORIGIN } from './fixtures.js';

/** Whom to trust, given by hand or read from what a server publishes about its own log. */

const log = makeLog();
const logKey = log.logKey.verifierKey;
const witnesses = log.witnessKeys.map((w) => w.verifierKey);

function refusal(fn: () => unknown): { code: VerifyErrorCode; field?: string } | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    const { code, field } = e as { code: VerifyErrorCode; field?: string };
    return field === undefined ? { code } : { code, field };
  }
}

describe('a trust given by hand', () => {
  it('parses every key once and requires every witness unless told otherwise', () => {
    const trust = parseTrust({ logKey, witnesses, origin: ORIGIN });
    expect(trust.logKey.name).toBe(ORIGIN);
    expect(trust.witnesses.map((w) => w.name)).toEqual([
      'witness-0.test',
      'witness-1.test',
      'witness-2.test',
    ]);
    expect(trust.quorum).toBe(3);
    expect(parseTrust({ logKey, witnesses, quorum: 0 }).quorum).toBe(0);
    expect(parseTrust({ logKey, witnesses }).origin).toBeUndefined();
  });

  it('names the key that does not parse', () => {
    expect(refusal(() => parseTrust({ logKey: 'not-a-key', witnesses }))).toEqual({
      code: 'malformed_key',
      field: 'logKey',
    });
    expect(refusal(() => parseTrust({ logKey, witnesses: [witnesses[0]!, 'x+y+z'] }))).toEqual({
      code: 'malformed_key',
      field: 'witnesses[1]',
    });
  });

  it('refuses a quorum that is not a whole number from 0 to the witnesses given', () => {
    for (const quorum of [4, -1, 1.5, Number.NaN]) {
      expect(
        refusal(() => parseTrust({ logKey, witnesses, quorum })),
        String(quorum),
      ).toEqual({
        code: 'quorum_out_of_range',
        field: 'quorum',
      });
    }
  });

  it('one party, one vote: the log posing as a witness, or one witness under two names, is refused', () => {
    expect(refusal(() => parseTrust({ logKey, witnesses: [logKey] }))).toMatchObject({
      code: 'ambiguous_key',
    });
    const w = parseVerifierKey(witnesses[0]!);
    const alias = encodeVerifierKey({
      name: 'alias.test',
      type: KEY_TYPE_COSIGNATURE_V1,
      publicKey: w.publicKey,
    });
    expect(refusal(() => parseTrust({ logKey, witnesses: [witnesses[0]!, alias] }))).toMatchObject({
      code: 'ambiguous_key',
    });
    expect(
      refusal(() => parseTrust({ logKey, witnesses: [witnesses[0]!, witnesses[0]!] })),
    ).toMatchObject({
      code: 'ambiguous_key',
    });
  });
});

describe("a trust read from the server's GET /log/key and GET /api/log", () => {
  const info = {
    origin: ORIGIN,
    verifierKey: logKey,
    witnesses: log.witnessKeys.map((w, i) => ({
      name: `witness-${i}.test`,
      url: `https://w${i}.test`,
      verifierKey: w.verifierKey,
      cosigned: true,
    })),
  };

  it('takes the key both answers name (the text may end in a newline), the origin and the witnesses', () => {
    const trust = trustFromLog(`${logKey}\n`, info);
    expect(trust.logKey.verifierKey).toBe(logKey);
    expect(trust.origin).toBe(ORIGIN);
    expect(trust.witnesses.map((w) => w.verifierKey)).toEqual(witnesses);
    expect(readLogDescription(logKey, info)).toEqual({
      origin: ORIGIN,
      logKey,
      witnesses: witnesses.map((verifierKey, i) => ({ name: `witness-${i}.test`, verifierKey })),
    });
  });

  it("requires the server's k of n, or every witness when it names none or an unusable one", () => {
    const quorum = (q: unknown) => trustFromLog(logKey, { ...info, quorum: q }).quorum;
    expect(quorum(1)).toBe(1);
    expect(quorum(0)).toBe(0);
    expect(quorum(undefined)).toBe(3);
    expect(quorum(4)).toBe(3);
    expect(quorum(1.5)).toBe(3);
    expect(quorum('1')).toBe(3);
  });

  it('refuses a server whose two answers name different log keys', () => {
    const other = generateSignerKey(ORIGIN).verifierKey;
    expect(refusal(() => trustFromLog(other, info))).toEqual({ code: 'key_mismatch' });
  });

  it('refuses a log description without its origin or witness list, or with a witness without a key', () => {
    for (const bad of [null, [], 'text', { ...info, origin: 1 }, { ...info, witnesses: {} }]) {
      expect(
        refusal(() => trustFromLog(logKey, bad)),
        JSON.stringify(bad),
      ).toEqual({
        code: 'malformed_log_description',
      });
    }
    expect(refusal(() => trustFromLog(logKey, { ...info, witnesses: [{ name: 'w' }] }))).toEqual({
      code: 'malformed_log_description',
      field: 'witnesses[0]',
    });
  });

  it('refuses keys that do not parse, and a witness that is the log itself', () => {
    expect(
      refusal(() => trustFromLog(logKey, { ...info, witnesses: [{ verifierKey: 'bad' }] })),
    ).toEqual({ code: 'malformed_key', field: 'witnesses[0]' });
    expect(refusal(() => trustFromLog('bad', { ...info, verifierKey: 'bad' }))).toEqual({
      code: 'malformed_key',
      field: 'logKey',
    });
    expect(
      refusal(() => trustFromLog(logKey, { ...info, witnesses: [{ verifierKey: logKey }] })),
    ).toMatchObject({ code: 'ambiguous_key' });
  });
});
