import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  cosign,
  decodeBase64,
  emptyRoot,
  generateSignerKey,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyConsistency,
} from '@goodtrace/ledger';

/**
 * A minimal C2SP tlog-witness, built on packages/ledger only, for tests: one log, state in
 * memory. It answers add-checkpoint as the spec says (404 unknown origin, 403 bad log
 * signature, 409 + text/x.tlog.size on a stale old size, 422 on a bad proof) and cosigns.
 */
export async function startTestWitness(opts: { name: string; logKey: string; origin: string }) {
  const { signerKey, verifierKey } = generateSignerKey(opts.name, { type: 0x04 });
  const logVerifier = parseVerifierKey(opts.logKey);
  const state = { size: 0, root: emptyRoot(), requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      state.requests++;
      const reply = (status: number, text: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(status, { 'content-type': type });
        res.end(text);
      };
      if (req.method !== 'POST' || req.url !== '/add-checkpoint') return reply(404, 'not found\n');
      const blank = body.indexOf('\n\n');
      const head = body.slice(0, blank).split('\n');
      const note = body.slice(blank + 2);
      const old = Number(head[0]!.replace(/^old /, ''));
      const proof = head.slice(1).map((l) => decodeBase64(l));
      let text: string;
      try {
        text = openNote(note, [logVerifier]).text;
      } catch {
        return reply(403, 'no valid log signature\n');
      }
      const cp = parseCheckpoint(text);
      if (cp.origin !== opts.origin) return reply(404, 'unknown log\n');
      if (old > cp.size) return reply(400, 'old size beyond checkpoint\n');
      if (old !== state.size) return reply(409, `${state.size}\n`, 'text/x.tlog.size');
      try {
        if (old === 0) {
          if (proof.length !== 0) throw new Error('proof from size 0');
        } else if (old === cp.size) {
          if (
            proof.length !== 0 ||
            Buffer.compare(Buffer.from(state.root), Buffer.from(cp.rootHash)) !== 0
          ) {
            throw new Error('same size, different root');
          }
        } else {
          verifyConsistency({
            oldSize: old,
            newSize: cp.size,
            proof,
            oldRoot: state.root,
            newRoot: cp.rootHash,
          });
        }
      } catch {
        return reply(422, 'inconsistent\n');
      }
      state.size = cp.size;
      state.root = cp.rootHash;
      reply(200, cosign({ checkpoint: text, signerKey, timestamp: Math.floor(Date.now() / 1000) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: opts.name,
    verifierKey,
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
