import type { FastifyInstance } from 'fastify';
import { whoMayCall } from './auth.js';

interface OpenApiOperation {
  summary?: string;
  tags?: string[];
}

/**
 * docs/api.md is rendered from the running app's routes (their summaries and declared
 * access), so it cannot drift: a test compares the file with this output, and
 * `npm run docs:api -w apps/server` rewrites it.
 */
export function renderApiDoc(app: FastifyInstance): string {
  const spec = app.swagger() as { paths: Record<string, Record<string, OpenApiOperation>> };
  const byTag = new Map<string, string[]>();
  for (const route of app.routeAccess) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const op = spec.paths[path]?.[route.method.toLowerCase()];
    const tag = op?.tags?.[0] ?? 'other';
    const rows = byTag.get(tag) ?? [];
    rows.push(
      `| \`${route.method}\` | \`${route.url}\` | ${op?.summary ?? ''} | ${whoMayCall(route.access, route.method)} |`,
    );
    byTag.set(tag, rows);
  }
  const sections = [...byTag].map(
    ([tag, rows]) =>
      `## ${tag}\n\n| method | path | what | who may call it |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n`,
  );
  return `# The HTTP API

Generated from the routes by \`npm run docs:api -w apps/server\`; a test fails when this file
and the code disagree. Request and response schemas are in the OpenAPI document served at
\`/api/docs\` (JSON at \`/api/docs/json\`). Errors are listed in [errors.md](errors.md).

Conventions:

- JSON in and out; money (later) as integer minor units (fen).
- Sign-in sets an HttpOnly \`gt_session\` cookie (SameSite=Lax, Secure behind TLS). Every
  write made with that cookie must carry the \`X-CSRF-Token\` header whose value
  \`GET /api/auth/session\` (or the sign-in/sign-up response) returns.
- Lists take \`page\` (from 1) and \`pageSize\` (1–100, default 20) and return
  \`{ items, total, page, pageSize }\`.
- Health: \`GET /healthz\` (alive), \`GET /readyz\` (database answers; 503 otherwise);
  Prometheus metrics at \`GET /metrics\`.
- The log itself is served as [C2SP tlog-tiles](https://c2sp.org/tlog-tiles) under \`/log\`,
  for any tlog client: \`GET /log/checkpoint\` (the signed checkpoint with witness
  cosignatures, \`text/plain\`), \`GET /log/tile/<L>/<N>[.p/<W>]\` (hash tiles) and
  \`GET /log/tile/entries/<N>[.p/<W>]\` (entry bundles), both immutable; and
  \`GET /log/key\`, the log's verifier key. See [ledger.md](ledger.md).

${sections.join('\n')}`;
}
