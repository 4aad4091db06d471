// Evidence files: each invoice or photo named on the log is downloaded (GET /api/files/<sha256>)
// and hashed; bytes that do not hash to the name on the log, or a file not served, are an
// `evidence_mismatch` finding: what the log promises cannot be shown.

import { getCryptoProvider } from '@goodtrace/ledger';
import type { Fetcher } from './fetcher.js';
import type { Finding } from './findings.js';

/** Where the log cites a file: the first event that names it. */
export interface EvidenceRef {
  index: number;
  projectId: string;
  disbursementId?: string;
  what: string;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export async function checkEvidence(
  fetcher: Fetcher,
  refs: Map<string, EvidenceRef>,
): Promise<{ files: number; mismatches: Finding[] }> {
  const mismatches: Finding[] = [];
  await Promise.all(
    [...refs].map(async ([sha256, ref]) => {
      let why: string | null;
      try {
        const bytes = await fetcher.bytesOf(`api/files/${sha256}`);
        if (bytes === null) why = 'is not served (404)';
        else {
          const actual = hex(getCryptoProvider().sha256(bytes));
          why = actual === sha256 ? null : `hashes to ${actual}`;
        }
      } catch (e) {
        why = `could not be fetched: ${(e as Error).message}`;
      }
      if (why === null) return;
      mismatches.push({
        kind: 'evidence',
        code: 'evidence_mismatch',
        index: ref.index,
        projectId: ref.projectId,
        ...(ref.disbursementId ? { disbursementId: ref.disbursementId } : {}),
        message: `${ref.what} ${sha256} (log index ${ref.index}) ${why}`,
      });
    }),
  );
  return { files: refs.size, mismatches: mismatches.sort((a, b) => a.index! - b.index!) };
}
