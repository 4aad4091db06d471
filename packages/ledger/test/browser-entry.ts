// Entry point of the browser bundle: exposes the shared checks to the page.
import {
  type PropertyOptions,
  propertyCases,
  runCases,
  type Vectors,
  vectorCases,
} from './checks.js';

declare global {
  var ledgerChecks: (
    vectors: Vectors,
    options: PropertyOptions,
  ) => Promise<{ name: string; ok: boolean; error?: string }[]>;
}

globalThis.ledgerChecks = (vectors, options) =>
  runCases([...vectorCases(vectors), ...propertyCases(options)]);
