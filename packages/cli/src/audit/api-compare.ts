// The books recomputed from the log against what the server's public API shows: every
// project's money flow (GET /api/projects/:id), its disbursements
// (GET /api/projects/:id/disbursements), and the list of published projects (GET /api/projects).

import type { Books, DisbursementBooks, ProjectBooks } from '@goodtrace/books';
import type { Disbursement, Items, Page, ProjectDetail, ProjectSummary } from '@goodtrace/contract';
import type { Fetcher } from './fetcher.js';
import type { Finding, Findings } from './findings.js';

// What the comparison reads of the API's answers, as the contract names them (a renamed
// member breaks this build). The server under audit is not trusted: a member it left out reads
// as a difference.
type ApiProject = Pick<ProjectDetail, 'id' | 'donations' | 'flow' | 'budget'>;
type ApiDisbursement = Pick<
  Disbursement,
  'id' | 'amount' | 'budgetLine' | 'evidence' | 'acknowledgement'
>;

/** The project figures compared, as (name on the API, value on the API, value from the log). */
function figures(api: ApiProject, p: ProjectBooks): [string, unknown, number][] {
  return [
    ['raised', api.flow?.raised, p.raised],
    ['refunded', api.flow?.refunded, p.refunded],
    ['owed', api.flow?.owed, p.owed],
    ['allocated', api.flow?.allocated, p.allocated],
    ['spent', api.flow?.spent, p.disbursed],
    ['confirmed', api.flow?.confirmed, p.confirmed],
    ['unspent', api.flow?.unspent, p.unspent],
    ['donations', api.donations, p.donations],
  ];
}

export async function compareWithApi(
  fetcher: Fetcher,
  books: Books,
  findings: Findings,
): Promise<{ projects: number; disbursements: number }> {
  const byProject = new Map<string, DisbursementBooks[]>();
  for (const d of books.disbursements.values()) {
    const list = byProject.get(d.projectId);
    if (list) list.push(d);
    else byProject.set(d.projectId, [d]);
  }
  const differ = (p: ProjectBooks, field: string, api: unknown, log: number | string | boolean) =>
    findings.add({
      kind: 'api',
      code: 'api_difference',
      projectId: p.projectId,
      field,
      api:
        typeof api === 'number' || typeof api === 'string' || typeof api === 'boolean' ? api : null,
      log,
      message: `project ${p.projectId}: ${field} is ${JSON.stringify(api ?? null)} on the API, ${JSON.stringify(log)} on the log`,
    });
  let disbursements = 0;

  await Promise.all(
    [...books.projects.values()].map(async (p) => {
      const [api, listed] = await Promise.all([
        fetcher.jsonOf<ApiProject>(`api/projects/${encodeURIComponent(p.projectId)}`),
        fetcher.jsonOf<Items<ApiDisbursement>>(
          `api/projects/${encodeURIComponent(p.projectId)}/disbursements`,
        ),
      ]);
      if (!api) {
        findings.add({
          kind: 'api',
          code: 'project_missing_from_api',
          projectId: p.projectId,
          message: `project ${p.projectId} is published on the log but the API does not show it`,
        });
        return;
      }
      for (const [field, value, log] of figures(api, p)) {
        if (value !== log) differ(p, field, value, log);
      }
      const apiLines = new Map((api.budget ?? []).map((l) => [l.id, l] as const));
      for (const [id, line] of apiLines) {
        const log = p.spentByLine[id] ?? 0;
        if (line.spent !== log) differ(p, `budget line ${id} spent`, line.spent, log);
      }
      for (const [id, spent] of Object.entries(p.spentByLine)) {
        if (!apiLines.has(id)) differ(p, `budget line ${id} spent`, null, spent);
      }
      compareDisbursements(p, listed?.items ?? [], byProject.get(p.projectId) ?? [], findings);
      disbursements += listed?.items.length ?? 0;
    }),
  );

  // Published projects the API shows that the log never saw published.
  for (let page = 1; ; page++) {
    const list = await fetcher.jsonOf<Page<Pick<ProjectSummary, 'id'>>>(
      `api/projects?page=${page}&pageSize=100`,
    );
    for (const item of list?.items ?? []) {
      if (books.projects.has(item.id)) continue;
      findings.add({
        kind: 'api',
        code: 'project_missing_from_log',
        projectId: item.id,
        message: `the API shows project ${item.id} as published, but the log never published it`,
      });
    }
    if (!list || page * 100 >= list.total || list.items.length === 0) break;
  }
  return { projects: books.projects.size, disbursements };
}

function compareDisbursements(
  p: ProjectBooks,
  listed: ApiDisbursement[],
  logged: DisbursementBooks[],
  findings: Findings,
) {
  const onLog = new Map(logged.map((d) => [d.disbursementId, d] as const));
  const differ = (d: DisbursementBooks, field: string, api: unknown, log: unknown) =>
    findings.add({
      kind: 'api',
      code: 'api_difference',
      index: d.index,
      projectId: p.projectId,
      disbursementId: d.disbursementId,
      field: `disbursement ${field}`,
      api: api as Finding['api'],
      log: log as Finding['log'],
      message: `disbursement ${d.disbursementId} of project ${p.projectId}: ${field} is ${JSON.stringify(api)} on the API, ${JSON.stringify(log)} on the log`,
    });
  const seen = new Set<string>();
  for (const a of listed) {
    seen.add(a.id);
    const d = onLog.get(a.id);
    if (!d) {
      findings.add({
        kind: 'api',
        code: 'disbursement_missing_from_log',
        projectId: p.projectId,
        disbursementId: a.id,
        message: `the API shows disbursement ${a.id} of ${a.amount} fen for project ${p.projectId}, which is not on the log`,
      });
      continue;
    }
    if (a.amount !== d.amount) differ(d, 'amount', a.amount, d.amount);
    if (a.budgetLine?.id !== d.budgetLineId)
      differ(d, 'budget line', a.budgetLine?.id ?? null, d.budgetLineId);
    const confirmed = a.acknowledgement !== null && a.acknowledgement !== undefined;
    if (confirmed !== (d.acknowledgedIndex !== null))
      differ(d, 'confirmed', confirmed, d.acknowledgedIndex !== null);
    const apiEvidence = (a.evidence ?? []).map((e) => e.sha256).join(',');
    const logEvidence = d.evidence.map((e) => e.sha256).join(',');
    if (apiEvidence !== logEvidence) differ(d, 'evidence', apiEvidence, logEvidence);
  }
  for (const d of logged) {
    if (seen.has(d.disbursementId)) continue;
    findings.add({
      kind: 'api',
      code: 'disbursement_missing_from_api',
      index: d.index,
      projectId: p.projectId,
      disbursementId: d.disbursementId,
      message: `disbursement ${d.disbursementId} (log index ${d.index}) of project ${p.projectId} is not in the API's list`,
    });
  }
}
