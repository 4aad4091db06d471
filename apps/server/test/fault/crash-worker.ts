/**
 * The server process of the crash test: the real app (buildApp(loadConfig(env)), its real
 * store, its sequencer and HTTP routes) listening on 127.0.0.1, plus FAULT_APPENDERS clients
 * appending as fast as they can. Run with
 *   node --conditions=@goodtrace/source --import tsx test/fault/crash-worker.ts
 *
 * The appenders live IN this process because PGlite is in-process and single-process by
 * design: nothing outside the server can write to its folder while it runs. (On PostgreSQL
 * the same harness is used, for symmetry.) Each appender commits one event per transaction,
 * carrying a unique client sequence number, and prints `ack <outboxId> <seq>` only after the
 * commit returned: an acknowledged append is one the server promised to keep.
 *
 * stdout lines (a pipe, so process.stdout.write is synchronous on Linux):
 *   listening <url>        the app is up
 *   ack <outboxId> <seq>   a committed append
 *   fail <seq> <code>      an append that failed (none is expected)
 *   drained <treeSize>     FAULT_DRAIN: every outbox row is on the log
 * SIGTERM stops the appenders, closes the app and exits 0. SIGKILL is the point.
 */
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { appendEvent } from '../../src/ledger/append-event.js';
import { pendingEvents } from '../../src/ledger/read.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const appenders = Number(process.env.FAULT_APPENDERS ?? '0');
const tag = process.env.FAULT_TAG ?? 'run';
const config = loadConfig({ ...process.env, HOST: '127.0.0.1' });
const app = await buildApp(config);
const url = await app.listen({ host: '127.0.0.1', port: config.port });
say(`listening ${url}`);

let stopping = false;

async function appender(loop: number): Promise<void> {
  for (let n = 0; !stopping; n++) {
    const seq = `${tag}.${loop}.${n}`;
    let id: string;
    try {
      id = await app.db.transaction().execute((tx) =>
        appendEvent(tx, {
          type: 'test.crash',
          v: 1,
          at: new Date().toISOString(),
          data: { seq },
        }),
      );
    } catch (err) {
      if (stopping) return;
      say(`fail ${seq} ${(err as { code?: string }).code ?? 'unknown'}`);
      await sleep(10);
      continue;
    }
    say(`ack ${id} ${seq}`);
    // A client over the network yields between requests; an in-process loop must too. On
    // PGlite a query never leaves the microtask queue, so without this the appenders would
    // starve the event loop and the HTTP server would never answer.
    await new Promise((r) => setImmediate(r));
  }
}

const loops = Array.from({ length: appenders }, (_, i) => appender(i));

if (process.env.FAULT_DRAIN === '1') {
  while ((await pendingEvents(app.db)) > 0) await sleep(20);
  const { size } = await app.ledger.servedCheckpoint();
  say(`drained ${size}`);
}

process.on('SIGTERM', async () => {
  stopping = true;
  await Promise.all(loops);
  await app.close();
  process.exit(0);
});
