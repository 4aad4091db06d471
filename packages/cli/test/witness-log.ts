// A log that exists only in a test, for driving witnesses: its leaves, signed checkpoints of
// any size, consistency proofs and add-checkpoint bodies. Built with @goodtrace/ledger's public
// API; `fork()` makes a second history sharing a prefix, as a dishonest log would.
import {
  encodeBase64,
  formatCheckpoint,
  hashLeaf,
  type NodeId,
  proveConsistency,
  rootHash,
  signNote,
} from '@goodtrace/ledger';

export class TestLog {
  readonly leaves: Uint8Array[];

  constructor(
    readonly origin: string,
    readonly signerKey: string,
    leaves: Uint8Array[] = [],
  ) {
    this.leaves = [...leaves];
  }

  /** Adds `n` leaves; `tag` makes them differ from another history's. */
  append(n: number, tag = 'entry'): this {
    const enc = new TextEncoder();
    for (let i = 0; i < n; i++) {
      this.leaves.push(hashLeaf(enc.encode(`${tag} ${this.leaves.length}`)));
    }
    return this;
  }

  get size(): number {
    return this.leaves.length;
  }

  /** Another history with the first `keep` leaves of this one (signed with the same key). */
  fork(keep: number): TestLog {
    return new TestLog(this.origin, this.signerKey, this.leaves.slice(0, keep));
  }

  root(size = this.size): Uint8Array {
    return rootHash(this.leaves.slice(0, size));
  }

  /** The checkpoint of `size` signed by the log's key (signer keys given replace it). */
  checkpoint(size = this.size, signerKeys = [this.signerKey]): string {
    const text = formatCheckpoint({ origin: this.origin, size, rootHash: this.root(size) });
    return signNote(text, signerKeys);
  }

  proof(oldSize: number, newSize = this.size): Uint8Array[] {
    if (oldSize === 0 || oldSize === newSize) return [];
    const hashAt = ({ level, index }: NodeId) =>
      rootHash(this.leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
    return proveConsistency({ oldSize, newSize, hashAt }) as Uint8Array[];
  }

  /** An add-checkpoint body from `old` to `size`, with this log's proof unless one is given. */
  body(old: number, size = this.size, opts: { proof?: Uint8Array[]; note?: string } = {}): string {
    const proof = opts.proof ?? this.proof(old, size);
    return `old ${old}\n${proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${opts.note ?? this.checkpoint(size)}`;
  }
}

/** POSTs an add-checkpoint body; the status, content type and text of the answer. */
export async function addCheckpoint(url: string, body: string | Uint8Array) {
  const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}
