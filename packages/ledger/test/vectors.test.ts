import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CryptoProvider, nobleProvider, setCryptoProvider } from '../src/index.js';
import { VECTOR_FILES, vectorCases } from './checks.js';
import { listedChecksums, loadVectors, vectorChecksums } from './load-vectors.js';

const vectors = loadVectors();

describe('the vectors folder (test/vectors)', () => {
  it('holds exactly the vector files the checks cover (a new file must get checks)', () => {
    expect(Object.keys(vectors).sort()).toEqual([...VECTOR_FILES].sort());
  });

  it('holds each file exactly as it was copied from its source (the SHA-256 its README lists)', () => {
    const listed = listedChecksums();
    expect(Object.keys(listed).length).toBeGreaterThan(VECTOR_FILES.length);
    expect(vectorChecksums()).toEqual(listed);
  });
});

const providers: [string, () => CryptoProvider][] = [
  ['noble', () => nobleProvider],
  ['node:crypto', nodeCryptoProvider],
];

describe.each(providers)('known-answer vectors with the %s provider', (_name, make) => {
  let previous: CryptoProvider;
  beforeAll(() => {
    previous = setCryptoProvider(make());
  });
  afterAll(() => {
    setCryptoProvider(previous);
  });
  for (const c of vectorCases(vectors)) it(c.name, c.run);
});
