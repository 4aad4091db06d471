// The donations bench's load generator, run by donations.bench.ts as a child process so that
// it does not share the server's event loop (it still shares the machine's 2 cores, and its
// CPU time is reported). It reads one job from its IPC channel, drives the server with
// autocannon over real HTTP (keep-alive connections to 127.0.0.1), and sends back counts and
// per-request-kind latencies. For `donate` the bench prefers wrk when it is installed
// (donations-wrk.ts and donations.lua run the same chain for far less CPU; BENCH_LOAD chooses).
//
//   donate  each connection loops: POST /api/projects/:id/donations (a new Idempotency-Key),
//           then the sandbox checkout's POST /api/payments/sandbox/:donationId/pay with the
//           token from the first answer. Only a pay answer whose outcome is `credited` counts.
//   get     GETs of the given paths, each once, in order, over `connections` connections.
import { randomUUID } from 'node:crypto';
import autocannon, { type Request } from 'autocannon';

export type LoadJob =
  | {
      mode: 'donate';
      url: string;
      projectId: string;
      connections: number;
      seconds: number;
    }
  | { mode: 'get'; url: string; paths: string[]; connections: number };

export interface LoadResult {
  seconds: number;
  /** Latencies in ms of each request kind, sorted. */
  latency: Record<string, number[]>;
  status: Record<string, Record<number, number>>;
  errors: number;
  timeouts: number;
  /** donate: donations created (201), credited (pay answered `credited`), and their sum in fen. */
  created: number;
  credited: number;
  creditedFen: number;
  outcomes: Record<string, number>;
  /** This process's CPU seconds (user + system) during the run. */
  cpu: number;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const latency: Record<string, number[]> = {};
  const status: Record<string, Record<number, number>> = {};
  const r: LoadResult = {
    seconds: 0,
    latency,
    status,
    errors: 0,
    timeouts: 0,
    created: 0,
    credited: 0,
    creditedFen: 0,
    outcomes: {},
    cpu: 0,
  };
  let requests: Request[];
  let kinds: string[];
  let amount: number | undefined;
  if (job.mode === 'donate') {
    kinds = ['create', 'pay'];
    requests = [
      {
        method: 'POST',
        path: `/api/projects/${job.projectId}/donations`,
        setupRequest(req, ctx) {
          // 1.00 to 500.00 yuan, so a wrong sum cannot hide behind equal amounts.
          ctx.amount = 100 * (1 + Math.floor(Math.random() * 500));
          return {
            ...req,
            headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: JSON.stringify({
              amount: ctx.amount,
              currency: 'CNY',
              email: 'bench-donor@example.org',
            }),
          };
        },
        onResponse(code, body, ctx) {
          if (code !== 201) return;
          const j = JSON.parse(body) as { donation: { id: string }; accessToken: string };
          ctx.id = j.donation.id;
          ctx.token = j.accessToken;
          r.created++;
        },
      },
      {
        method: 'POST',
        setupRequest(req, ctx) {
          // The donation was not created: start the chain again.
          if (!ctx.id) return undefined;
          return {
            ...req,
            path: `/api/payments/sandbox/${ctx.id}/pay`,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: ctx.token, outcome: 'succeeded' }),
          };
        },
        onResponse(code, body, ctx) {
          let outcome = `http ${code}`;
          if (code === 200) outcome = (JSON.parse(body) as { outcome: string }).outcome;
          r.outcomes[outcome] = (r.outcomes[outcome] ?? 0) + 1;
          if (outcome === 'credited') {
            r.credited++;
            r.creditedFen += ctx.amount as number;
          }
        },
      },
    ];
  } else {
    kinds = ['get'];
    let next = 0;
    amount = job.paths.length;
    requests = [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: job.paths[next++ % job.paths.length]! }),
      },
    ];
  }
  for (const k of kinds) {
    latency[k] = [];
    status[k] = {};
  }
  const cpu0 = process.cpuUsage();
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    ...(job.mode === 'donate' ? { duration: job.seconds } : { amount: amount! }),
    timeout: 30,
    requests,
  });
  instance.on('response', (client, code, _bytes, ms) => {
    const kind = kinds[client.requestIterator.currentRequestIndex]!;
    latency[kind]!.push(ms);
    status[kind]![code] = (status[kind]![code] ?? 0) + 1;
  });
  const result = await instance;
  const cpu = process.cpuUsage(cpu0);
  r.cpu = (cpu.user + cpu.system) / 1e6;
  r.seconds = result.duration;
  r.errors = result.errors;
  r.timeouts = result.timeouts;
  for (const k of kinds) latency[k]!.sort((a, b) => a - b);
  return r;
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
