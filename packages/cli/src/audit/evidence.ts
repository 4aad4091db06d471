// Evidence files: each invoice or photo named on the log is downloaded (GET /api/files/<sha256>)
// and hashed; bytes that do not hash to the name on the log are an `evidence_mismatch`.

import type { Anomaly } from '@goodtrace/books';
import { getCryptoProvider } from '@goodtrace/ledger';
import type { Fetcher } from './fetcher.js';

/** Where the log cites a file: the first event that names it. */
export interface EvidenceRef {
  index: number;
  projectId: string;
  orgId: string;
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
): Promise<{ files: number; anomalies: Anomaly[] }> {
  const anomalies: Anomaly[] = [];
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
      anomalies.push({
        code: 'evidence_mismatch',
        index: ref.index,
        projectId: ref.projectId,
        orgId: ref.orgId,
        ...(ref.disbursementId ? { disbursementId: ref.disbursementId } : {}),
        message: `${ref.what} ${sha256} (log index ${ref.index}) ${why}`,
      });
    }),
  );
  return { files: refs.size, anomalies: anomalies.sort((a, b) => a.index - b.index) };
}
