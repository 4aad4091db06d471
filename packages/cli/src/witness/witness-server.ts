import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cosign, encodeBase64, parseSignerKey, type Verifier } from '@goodtrace/ledger';
import { checkAddCheckpoint, parseAddCheckpoint, Refusal } from './add-checkpoint.js';
import { AlarmLog } from './witness-alarms.js';
import { type StateFaults, StateStore } from './witness-state.js';

export interface WitnessOptions {
  /** The cosignature/v1 signer key (`PRIVATE+KEY+name+id+base64(0x04 ‖ seed)`). */
  signerKey: string;
  /** The logs watched: origin → the log's trusted verifier keys. */
  logs: ReadonlyMap<string, Verifier[]>;
  stateDir: string;
  host?: string;
  port?: number;
  /** Structured lines (refusals, cosignatures); default: JSON on stderr. */
  log?: (entry: Record<string, unknown>) => void;
  /** The clock, in POSIX seconds (tests). */
  now?: () => number;
  faults?: StateFaults;
}

export interface RunningWitness {
  name: string;
  verifierKey: string;
  url: string;
  state: StateStore;
  alarms: AlarmLog;
  close(): Promise<void>;
}

/** Largest add-checkpoint body accepted: 63 proof lines and a checkpoint with signatures fit. */
const MAX_BODY = 64 * 1024;

/**
 * A C2SP tlog-witness over node:http: POST /add-checkpoint cosigns a checkpoint that is
 * consistent with the last one it cosigned for that origin; GET /state reports what it holds;
 * GET /<hex SHA-256 of the origin>/checkpoint is the spec's monitoring read. Requests are
 * decided one at a time, and the new state is on disk before the cosignature is sent.
 * A refused checkpoint that the log's key did sign is a fork alarm: an error line, a count in
 * GET /metrics, and the evidence at GET /alarms (which a Goodtrace server reads and shows its
 * auditors).
 */
export async function startWitness(opts: WitnessOptions): Promise<RunningWitness> {
  const signer = parseSignerKey(opts.signerKey);
  const state = await StateStore.open(opts.stateDir, opts.faults ? { faults: opts.faults } : {});
  let alarms: AlarmLog;
  try {
    alarms = await AlarmLog.open(opts.stateDir);
  } catch (e) {
    await state.close();
    throw e;
  }
  const counters = { cosigned: 0, refused: new Map<string, number>() };
  const log = opts.log ?? ((entry) => process.stderr.write(`${JSON.stringify(entry)}\n`));
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const byHash = new Map(
    [...opts.logs.keys()].map((o) => [createHash('sha256').update(o).digest('hex'), o]),
  );
  // One decision at a time: the old-size check and the state update are one atomic step.
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  async function addCheckpoint(
    body: Uint8Array,
    remote: string,
  ): Promise<[number, string, string]> {
    const req = parseAddCheckpoint(body);
    return serialised(async () => {
      const ok = checkAddCheckpoint(req, opts.logs, (o) => state.get(o));
      const held = state.get(ok.origin);
      // A cosignature says "the latest I have seen as of this time": never go back in time.
      const timestamp = Math.max(now(), held?.timestamp ?? 0);
      const line = cosign({ checkpoint: ok.text, signerKey: opts.signerKey, timestamp });
      await state.commit(ok.origin, {
        size: ok.checkpoint.size,
        rootHash: ok.checkpoint.rootHash,
        note: ok.signedByLog + line,
        timestamp,
      });
      counters.cosigned++;
      log({
        time: new Date().toISOString(),
        level: 'info',
        msg: 'cosigned',
        origin: ok.origin,
        old: req.old,
        size: ok.checkpoint.size,
        remote,
      });
      return [200, line, 'text/plain; charset=utf-8'];
    });
  }

  function stateView() {
    return {
      name: signer.name,
      verifierKey: signer.verifierKey,
      logs: [...opts.logs.keys()].sort().map((origin) => {
        const s = state.get(origin);
        return {
          origin,
          size: s?.size ?? 0,
          rootHash: s ? encodeBase64(s.rootHash) : null,
          cosignedAt: s ? new Date(s.timestamp * 1000).toISOString() : null,
          checkpoint: s?.note ?? null,
        };
      }),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, text: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(text);
    };
    const path = (req.url ?? '/').split('?')[0]!;
    const remote = req.socket.remoteAddress ?? '';
    if (path === '/add-checkpoint') {
      if (req.method !== 'POST') return reply(405, 'add-checkpoint is a POST\n');
      const body = await readBody(req);
      if (body === null) return reply(413, `the body is larger than ${MAX_BODY} bytes\n`);
      try {
        const [status, text, type] = await addCheckpoint(body, remote);
        return reply(status, text, type);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        counters.refused.set(e.reason, (counters.refused.get(e.reason) ?? 0) + 1);
        if (e.conflict) {
          // The refusal stands even if the evidence could not be written down.
          await raiseAlarm(e, remote).catch((err) =>
            log({
              time: new Date().toISOString(),
              level: 'error',
              msg: 'could not record a fork alarm',
              error: (err as Error).message,
            }),
          );
        }
        log({
          time: new Date().toISOString(),
          level: 'warn',
          msg: 'add-checkpoint refused',
          status: e.status,
          reason: e.reason,
          detail: e.message,
          remote,
        });
        if (e.status === 409) return reply(409, `${e.size}\n`, 'text/x.tlog.size');
        return reply(e.status, `${e.message}\n`);
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'not allowed\n');
    if (path === '/alarms') {
      return reply(
        200,
        `${JSON.stringify({ items: alarms.list() }, null, 2)}\n`,
        'application/json',
      );
    }
    if (path === '/metrics') return reply(200, metricsText(), 'text/plain; version=0.0.4');
    if (path === '/state') {
      return reply(200, `${JSON.stringify(stateView(), null, 2)}\n`, 'application/json');
    }
    const m = /^\/([0-9a-f]{64})\/checkpoint$/.exec(path);
    const origin = m ? byHash.get(m[1]!) : undefined;
    const held = origin === undefined ? undefined : state.get(origin);
    if (held) return reply(200, held.note);
    return reply(404, 'not found\n');
  }

  /** Keeps the evidence of a refused fork (under the decision lock: `held` is what was held). */
  function raiseAlarm(e: Refusal, remote: string): Promise<void> {
    const conflict = e.conflict!;
    return serialised(async () => {
      const held = state.get(conflict.origin);
      const fresh = await alarms.record({
        ...conflict,
        at: new Date().toISOString(),
        heldSize: held?.size ?? 0,
        held: held?.note ?? '',
      });
      if (!fresh) return;
      log({
        time: new Date().toISOString(),
        level: 'error',
        msg: `FORK ALARM: ${conflict.origin} signed a checkpoint of size ${conflict.size} that contradicts the one of size ${held?.size ?? 0} this witness cosigned (${conflict.kind})`,
        alarm: conflict.kind,
        origin: conflict.origin,
        size: conflict.size,
        heldSize: held?.size ?? 0,
        remote,
      });
    });
  }

  /** Prometheus text exposition: a witness is a service its operator monitors too. */
  function metricsText(): string {
    const label = (v: string) => v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
    const lines = [
      '# HELP goodtrace_witness_cosigned_total Checkpoints cosigned since start.',
      '# TYPE goodtrace_witness_cosigned_total counter',
      `goodtrace_witness_cosigned_total ${counters.cosigned}`,
      '# HELP goodtrace_witness_refused_total add-checkpoint requests refused since start, by reason.',
      '# TYPE goodtrace_witness_refused_total counter',
      ...[...counters.refused].map(
        ([reason, n]) => `goodtrace_witness_refused_total{reason="${label(reason)}"} ${n}`,
      ),
      '# HELP goodtrace_witness_fork_alarms_total Checkpoints signed by a log that contradict the one cosigned, since start.',
      '# TYPE goodtrace_witness_fork_alarms_total counter',
      ...[...alarms.counts].map(
        ([origin, n]) => `goodtrace_witness_fork_alarms_total{origin="${label(origin)}"} ${n}`,
      ),
    ];
    return `${lines.join('\n')}\n`;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log({
        time: new Date().toISOString(),
        level: 'error',
        msg: 'request failed',
        error: (err as Error).message,
      });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error: nothing was cosigned\n');
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await state.close();
    throw e;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    name: signer.name,
    verifierKey: signer.verifierKey,
    url: `http://${host}:${address.port}`,
    state,
    alarms,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Let a decision under way finish writing before the lock is released.
      await queue;
      await state.close();
    },
  };
}

/** The request body, or null when it is larger than MAX_BODY. */
function readBody(req: IncomingMessage): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}
