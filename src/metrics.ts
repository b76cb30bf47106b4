/**
 * The process's Prometheus metrics (prom-client), served at `/metrics` by the gateway and, when GW_METRICS_PORT is
 * set, by a standalone worker. One registry per process: the counters are process-wide like the process itself
 * (tests that build several gateways in one process share them). What to alert on is in the README ("Metrics").
 *
 * Labels carry only bounded values: operation names the servers recognised, fault and GİB codes from the catalogues,
 * task names — never paths, ids or tenants.
 */
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  /** Every answered HTTP request: endpoint soap | gib | other, the operation, ok | fault and the fault's code. */
  requests: new client.Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests answered, by endpoint, operation, outcome and fault code',
    labelNames: ['endpoint', 'operation', 'outcome', 'code'] as const,
    registers: [registry],
  }),
  requestSeconds: new client.Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time from the request to the end of its answer',
    labelNames: ['endpoint', 'operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  /** Calls to GİB's services: ok (2xx read), fault (a SOAP fault or HTTP error read), timeout, network, answer (unreadable). */
  gibCalls: new client.Counter({
    name: 'gateway_gib_calls_total',
    help: 'Calls to GİB services by service, operation and outcome',
    labelNames: ['service', 'operation', 'outcome'] as const,
    registers: [registry],
  }),
  gibCallSeconds: new client.Histogram({
    name: 'gateway_gib_call_duration_seconds',
    help: 'Duration of calls to GİB services',
    labelNames: ['service', 'operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  /** Jobs that ended a run: done, rescheduled (periodic), retry, exhausted. */
  jobRuns: new client.Counter({
    name: 'gateway_job_runs_total',
    help: 'Job runs by task and outcome',
    labelNames: ['task', 'outcome'] as const,
    registers: [registry],
  }),
  /** Claims freed because their worker died: its lease ran out, or its process was found gone at a start. */
  claimsRecovered: new client.Counter({
    name: 'gateway_job_claims_recovered_total',
    help: 'Job claims freed after their worker died, by how it was noticed',
    labelNames: ['how'] as const,
    registers: [registry],
  }),
  blobErrors: new client.Counter({
    name: 'gateway_blob_store_errors_total',
    help: 'Blob store operations that failed (I/O, or content that does not match its hash)',
    labelNames: ['op'] as const,
    registers: [registry],
  }),
  /** Failed statements: constraint (often expected: idempotent inserts), busy (lock contention), other. */
  databaseErrors: new client.Counter({
    name: 'gateway_database_errors_total',
    help: 'Database statements that failed, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
};

/** Starts timing one call to a GİB service; the returned function records its outcome. */
export function gibCallTimer(service: string, operation: string): (outcome: string) => void {
  const started = performance.now();
  return (outcome) => {
    metrics.gibCalls.inc({ service, operation, outcome });
    metrics.gibCallSeconds.observe({ service, operation }, (performance.now() - started) / 1000);
  };
}

/** The kind of a database error, from the driver's code (better-sqlite3 and pg). */
export function databaseErrorKind(err: unknown): 'constraint' | 'busy' | 'other' {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code.startsWith('SQLITE_CONSTRAINT') || code.startsWith('23')) return 'constraint';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === '40001' || code === '40P01' || code === '55P03') return 'busy';
  return 'other';
}

/** A gauge whose values are read when Prometheus scrapes (e.g. from the database). */
export function scrapedGauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Promise<Array<{ labels: Record<L, string>; value: number }>>,
): client.Gauge<L> {
  return new client.Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { labels, value } of await read()) this.set(labels as Partial<Record<L, string | number>>, value);
    },
  });
}
