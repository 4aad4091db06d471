import { describe, it } from 'vitest';
import { propertyCases } from './checks.js';

describe('properties (fast-check, random trees up to 3000 leaves)', () => {
  for (const c of propertyCases({ numRuns: 100, maxLeaves: 3000 })) it(c.name, c.run, 60_000);
});
