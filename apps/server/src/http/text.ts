import { hasLoneSurrogate } from '@goodtrace/ledger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/**
 * Text the API accepts is well-formed Unicode without NUL, in every part of every request: the
 * body at any depth (keys too), the query string, the path and the headers. Refused once, here,
 * with `invalid_text`, so no route meets such text:
 *
 * - a lone surrogate cannot be encoded as UTF-8: the database driver stores U+FFFD in its place
 *   while the log's canonical JSON covers (or refuses) the original, so what is stored would
 *   never match its fingerprint;
 * - PostgreSQL's text refuses U+0000, which surfaced as a 500 from any of the fields it reached.
 */
export function isWellFormedText(s: string): boolean {
  return !s.includes('\0') && !hasLoneSurrogate(s);
}

/**
 * The JSON-pointer path of the first string or key in `value` that is not well-formed text,
 * or null when all are. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function findBadText(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isWellFormedText(v)) return at || '/';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const path = `${at}/${pointerToken(k)}`;
        if (!isWellFormedText(k)) return path;
        stack.push([child, path]);
      }
    }
  }
  return null;
}

// RFC 6901 escaping; what the path names is what matters, so a bad key is shown escaped.
function pointerToken(key: string): string {
  return JSON.stringify(key.replaceAll('~', '~0').replaceAll('/', '~1')).slice(1, -1);
}

function refuse(where: string, path: string, message?: string): never {
  throw new AppError('invalid_text', message, { where, path });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Installs the checks on `app` (the root): the JSON body parser for every scope that keeps
 * it, and an onRequest hook for the query string, path parameters and headers, which runs
 * before anything else reads them (the access check included). Bodies only JSON routes read:
 * text/plain goes too, so a body the app would not parse is 415 rather than ignored.
 */
export function installTextChecks(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request, body: Buffer, done) => {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        return done(
          new AppError('invalid_text', 'The body is not valid UTF-8.', { where: 'body' }),
          undefined,
        );
      }
      parseJson(request, text, (err, value) => {
        if (err) return done(err, undefined);
        const bad = findBadText(value);
        if (bad !== null) {
          return done(new AppError('invalid_text', undefined, { where: 'body', path: bad }));
        }
        done(null, value);
      });
    },
  );

  app.addHook('onRequest', async (request) => checkRequestText(request));
}

function checkRequestText(request: FastifyRequest) {
  // The router has decoded the path (a bad escape there is FST_ERR_BAD_URL); the query string
  // parser keeps an escape it cannot decode as it is, so check that the raw one decodes.
  const q = request.url.indexOf('?');
  if (q >= 0) {
    try {
      decodeURIComponent(request.url.slice(q + 1).replaceAll('+', ' '));
    } catch {
      refuse('querystring', '/', 'The query string is not valid percent-encoded UTF-8.');
    }
    const bad = findBadText(request.query);
    if (bad !== null) refuse('querystring', bad);
  }
  const badParam = findBadText(request.params);
  if (badParam !== null) refuse('params', badParam);
  // Node's parser refuses a NUL in a header from the network; in-process requests skip it.
  const badHeader = findBadText(request.headers);
  if (badHeader !== null) refuse('headers', badHeader);
}
