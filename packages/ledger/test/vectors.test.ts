import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CryptoProvider, nobleProvider, setCryptoProvider } from '../src/index.js';
import { VECTOR_FILES, vectorCases } from './checks.js';
import { loadVectors } from './load-vectors.js';

const vectors = loadVectors();

describe('the shared vectors folder', () => {
  it('holds exactly the vector files the checks cover (a new file must get checks)', () => {
    expect(Object.keys(vectors).sort()).toEqual([...VECTOR_FILES].sort());
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
