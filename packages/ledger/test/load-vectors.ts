// Reads the known-answer vectors kept in this package (test/vectors/, copied unchanged from
// their sources: vectors/README.md says from where, with each file's SHA-256).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Vectors } from './checks.js';

export const VECTORS_DIR = new URL('./vectors/', import.meta.url);

export function loadVectors(): Vectors {
  const vectors: Vectors = {};
  for (const file of readdirSync(VECTORS_DIR)) {
    if (file.endsWith('.json'))
      vectors[file] = JSON.parse(readFileSync(new URL(file, VECTORS_DIR), 'utf8'));
  }
  return vectors;
}

/** Each data file's SHA-256 as it is on disk, by name (the README is not data). */
export function vectorChecksums(): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const file of readdirSync(VECTORS_DIR)) {
    if (file === 'README.md') continue;
    sums[file] = createHash('sha256')
      .update(readFileSync(new URL(file, VECTORS_DIR)))
      .digest('hex');
  }
  return sums;
}

/** The SHA-256 the README's table lists for each file: the vectors as they were copied. */
export function listedChecksums(): Record<string, string> {
  const readme = readFileSync(new URL('README.md', VECTORS_DIR), 'utf8');
  const sums: Record<string, string> = {};
  for (const [, file, sum] of readme.matchAll(/^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$/gm)) {
    sums[file!] = sum!;
  }
  return sums;
}
