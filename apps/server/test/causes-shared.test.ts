import { describe, expect, it } from 'vitest';
import { causes as webCauses } from '../../web/src/causes.js';
import { causes } from '../src/orgs/causes.js';

// The web app keeps its own copy of the cause keys (it cannot import server code); this
// keeps the two from drifting apart.
describe('cause keys', () => {
  it('are the same in the API and the web app', () => {
    expect([...webCauses]).toEqual([...causes]);
  });
});
