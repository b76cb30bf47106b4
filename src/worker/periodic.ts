import type { Knex } from 'knex';
import { enqueueJob } from '../db/jobs';
import type { Task } from './worker';

/**
 * Periodic duties (polling GİB, syncing the user list, the daily e-Arşiv report, checking answers GİB owes us) are
 * ordinary jobs that ask to run again (TaskResult.runAgainAt), one row each under a fixed key: enqueueing them at
 * every start is idempotent, so any number of processes share one schedule, and a crash loses no tick.
 */
export async function ensurePeriodicJobs(db: Knex, tasks: readonly string[], now: Date): Promise<void> {
  for (const task of tasks) {
    await enqueueJob(db, {
      task,
      key: `periodic:${task}`,
      payload: {},
      runAt: now.toISOString(),
      // A periodic job must not stay failed for good: a long GİB outage only delays it.
      maxAttempts: 1_000_000,
      createdAt: now.toISOString(),
    });
  }
}

/** A periodic task made of a function: runs it, then again after `everyMs`. */
export function periodicTask(fn: () => Promise<unknown>, everyMs: () => number, clock: () => Date): Task {
  return {
    async run() {
      await fn();
      return { runAgainAt: new Date(clock().getTime() + everyMs()) };
    },
  };
}
