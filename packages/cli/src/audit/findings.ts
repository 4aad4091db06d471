/**
 * What the audit found, besides the anomalies: a check that failed. Every finding fails the
 * audit (exit 1; a `trust` finding, keys other than the pinned ones, exits 3).
 */
export interface Finding {
  /**
   * Where it was found: the keys pinned on the first audit, the log's tree, the replayed books,
   * the server's API, or the evidence files.
   */
  kind: 'trust' | 'log' | 'books' | 'api' | 'evidence';
  code: string;
  message: string;
  /** Log index of the entry concerned. */
  index?: number;
  projectId?: string;
  disbursementId?: string;
  /** For an API difference: the figure, the API's value and the log's. */
  field?: string;
  api?: number | string | boolean | null;
  log?: number | string | boolean | null;
}

/** Findings of one code beyond this many are counted, not listed (a rewritten log has millions). */
export const LISTED_PER_CODE = 100;

export class Findings {
  readonly list: Finding[] = [];
  /** Findings left out of the list, per code. */
  readonly omitted = new Map<string, number>();
  private readonly perCode = new Map<string, number>();

  add(f: Finding): void {
    const n = (this.perCode.get(f.code) ?? 0) + 1;
    this.perCode.set(f.code, n);
    if (n > LISTED_PER_CODE) this.omitted.set(f.code, (this.omitted.get(f.code) ?? 0) + 1);
    else this.list.push(f);
  }

  has(code: string): boolean {
    return this.perCode.has(code);
  }

  get count(): number {
    let n = 0;
    for (const c of this.perCode.values()) n += c;
    return n;
  }
}
