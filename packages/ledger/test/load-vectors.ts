// Reads every file of ../shared/vectors (beside the repository root) at run time.
import { readdirSync, readFileSync } from 'node:fs';
import type { Vectors } from './checks.js';

/** The shared vectors folder: /<repo>/../shared/vectors, resolved from this file. */
export const VECTORS_DIR = new URL('../../../../shared/vectors/', import.meta.url);

export function loadVectors(): Vectors {
  const vectors: Vectors = {};
  for (const file of readdirSync(VECTORS_DIR)) {
    if (file.endsWith('.json'))
      vectors[file] = JSON.parse(readFileSync(new URL(file, VECTORS_DIR), 'utf8'));
  }
  return vectors;
}
