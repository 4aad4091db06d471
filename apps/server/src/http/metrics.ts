import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { binary } from './schemas.js';

/**
 * Prometheus metrics, one registry per app (tests build many apps in one process).
 * Served at GET /metrics in the text exposition format.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'goodtrace_' });
  const ledger = {
    sequenced: new Counter({
      name: 'goodtrace_ledger_entries_sequenced_total',
      help: 'Log entries given an index by this process',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'goodtrace_ledger_batch_size',
      help: 'Entries per sequencer transaction',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'goodtrace_ledger_sequencing_latency_seconds',
      help: 'From the outbox commit to the entry having a log index',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'goodtrace_ledger_sequencer_failures_total',
      help: 'Sequencer transactions that failed and were rolled back',
      registers: [registry],
    }),
    treeSize: new Gauge({
      name: 'goodtrace_ledger_tree_size',
      help: 'Size of the latest checkpoint this process knows of',
      registers: [registry],
    }),
    checkpointAge: new Gauge({
      name: 'goodtrace_ledger_checkpoint_age_seconds',
      help: 'Seconds since the latest checkpoint was signed',
      registers: [registry],
    }),
    witnessLag: new Gauge({
      name: 'goodtrace_ledger_witness_lag_entries',
      help: 'Entries between the latest checkpoint and the last one each witness cosigned',
      labelNames: ['witness'],
      registers: [registry],
    }),
    witnessFailures: new Counter({
      name: 'goodtrace_ledger_witness_failures_total',
      help: 'add-checkpoint requests that failed, by witness',
      labelNames: ['witness'],
      registers: [registry],
    }),
    forkAlarms: new Counter({
      name: 'goodtrace_ledger_fork_alarms_total',
      help: 'Fork alarms raised: a witness holds another history of the log (ledger_alarms)',
      labelNames: ['witness'],
      registers: [registry],
    }),
  };
  return { registry, ledger };
}

export type Metrics = ReturnType<typeof createMetrics>;
export type LedgerMetrics = Metrics['ledger'];

export async function metricsRoute(
  app: FastifyInstance,
  metrics: Metrics,
  beforeScrape: () => Promise<void>,
) {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        response: { 200: binary('Prometheus text exposition format', ['text/plain']) },
      },
    },
    async (_req, reply) => {
      await beforeScrape();
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
