import type { Knex } from 'knex';
import { queueStats, type QueueStats } from '../db/jobs';
import { scrapedGauge } from '../metrics';

/**
 * The job queue as gauges, read from the database when Prometheus scrapes: the queue is shared by every process,
 * so any one process's /metrics shows all of it. One source per process (the last gateway or worker built).
 */
let source: { db: Knex; clock: () => Date } | null = null;
let last: { at: number; stats: Promise<QueueStats[]> } | null = null;

/** One read serves the four gauges of a scrape. */
function stats(): Promise<QueueStats[]> {
  if (!source) return Promise.resolve([]);
  if (!last || Date.now() - last.at > 500) last = { at: Date.now(), stats: queueStats(source.db, source.clock()).catch(() => []) };
  return last.stats;
}

function gauge(name: string, help: string, pick: (s: QueueStats) => number) {
  scrapedGauge(name, help, ['task'], async () => (await stats()).map((s) => ({ labels: { task: s.task }, value: pick(s) })));
}

let registered = false;

export function watchQueue(db: Knex, clock: () => Date): void {
  source = { db, clock };
  last = null;
  if (registered) return;
  registered = true;
  gauge('gateway_jobs_due', 'Jobs due and not claimed (the backlog), by task', (s) => s.due);
  gauge('gateway_jobs_waiting', 'Jobs not claimed, due now or later, by task', (s) => s.waiting);
  gauge('gateway_jobs_running', 'Jobs claimed by a worker, by task', (s) => s.running);
  gauge('gateway_jobs_failed', 'Jobs failed for good and kept visible, by task', (s) => s.failed);
  gauge('gateway_jobs_oldest_due_age_seconds', 'How long the oldest due, unclaimed job has waited, by task', (s) => s.oldestDueAgeSeconds);
}
