// How a person checks a receipt without trusting the site: the command shown on the receipt
// pages, on the printable receipt and in the README. One text, so they all say the same.
//
// The goodtrace command runs from a checkout of this repository (`npm install`, then the root
// package's `goodtrace` script). It is not published on npm under that name: a command that
// fetched "goodtrace" from the registry would run whatever someone registered there.

/** The command that verifies `file` with the keys published by `site` (its origin, e.g. https://example.org). */
export function verifyCommandLine(site: string, file = 'receipt.json'): string {
  return `npm run goodtrace -- verify ${file} --log-url ${site}`;
}
