import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import {
  claimJobs,
  completeJob,
  enqueueJob,
  failJob,
  listenForJobs,
  lockHolders,
  nextRunAt,
  releaseClaimed,
  releaseJobsOf,
  releaseStaleJobs,
  renewLeases,
  rescheduleJob,
  type JobListener,
  type JobRow,
} from '../db/jobs';
import { createWriteBatcher, type WriteBatcher } from '../db/write-batcher';
import { isGatewayError } from '../faults';
import { metrics } from '../metrics';

/** How much later work is tried again once GİB stayed away through all of a job's attempts (Task.retryLater). */
export const RETRY_LATER_MS = 60 * 60 * 1000;

/** A task may ask to run again later (periodic duties, a check GİB has not answered yet): the job row is kept. */
export type TaskResult = void | { runAgainAt: Date };

/** What the worker offers a running task. */
export interface TaskContext {
  /**
   * Completes the job inside the task's own last transaction: the state change and the job's end commit together
   * (one commit fewer per job, and no window in which a done step's job could run again).
   */
  complete(trx: Knex.Transaction): Promise<void>;
}

export interface Task {
  run(job: JobRow, ctx?: TaskContext): Promise<TaskResult>;
  /** Called once when the job fails for good (permanent error or attempts used up): record the outcome. */
  onExhausted?(job: JobRow, error: unknown): Promise<void>;
  /**
   * Work that must not be dropped because GİB or the network stayed away through all of a job's attempts: the
   * exhausted job stays visible and, in the same transaction, a fresh one (payload.attempt + 1, under `key`) is
   * enqueued `afterMs` later; onExhausted is then not called. A permanent fault still ends the work, unless
   * `alsoPermanent`.
   */
  retryLater?: { afterMs: number; key: (job: JobRow, attempt: number) => string; message: string; alsoPermanent?: boolean };
}

export interface WorkerOptions {
  db: Knex;
  /** Write transactions go through the process's group-commit batcher; one of its own by default. */
  writer?: WriteBatcher;
  tasks: Record<string, Task>;
  clock: () => Date;
  logger: Logger;
  workerId?: string;
  pollMs: number;
  concurrency: number;
  backoffBaseMs?: number;
  /**
   * How long a claim lives without its worker's heartbeat (GW_WORKER_LEASE_MS): a running worker renews the leases
   * of its jobs every quarter of it, and any worker frees the claims whose lease ran out — a crashed process's jobs
   * (periodic duties included) run again within about 1¼ leases.
   */
  leaseMs?: number;
  /**
   * On PostgreSQL, wake up when another process commits jobs (LISTEN/NOTIFY) instead of at the next poll; the poll
   * stays as the fallback. On by default.
   */
  listen?: boolean;
}

/** A retryable error is one the catalogue marks so, or anything unexpected (the database, the network). */
function isPermanent(err: unknown): boolean {
  return isGatewayError(err) && !err.spec.retryable;
}

function describeError(err: unknown): string {
  if (isGatewayError(err)) return `${err.code} ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The default lease: a dead worker's claims are free again within ≈ 25 s. */
export const DEFAULT_LEASE_MS = 20_000;

/**
 * A worker's id says where it runs — `host:pid:random` — so that a process starting on a host frees the claims of
 * workers of that host whose process is gone (a restart after a crash), without waiting for their leases.
 */
function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Workers running in this process: a predecessor with our pid (a container restarted as pid 1) is not one of them. */
const liveWorkers = new Set<string>();

/** Whether the worker that wrote this id is certainly dead: same host, and its process is gone. */
function isDeadOnThisHost(workerId: string): boolean {
  const parts = workerId.split(':');
  if (parts.length < 3 || parts.slice(0, -2).join(':') !== os.hostname()) return false;
  const pid = Number(parts.at(-2));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return !liveWorkers.has(workerId);
  try {
    process.kill(pid, 0);
    return false; // alive (or a new process reusing the pid: its lease settles it)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function createWorker(options: WorkerOptions) {
  const workerId = options.workerId ?? newWorkerId();
  const taskNames = Object.keys(options.tasks);
  const backoffBaseMs = options.backoffBaseMs ?? 1000;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const log = options.logger.child({ workerId });
  const writer = options.writer ?? createWriteBatcher(options.db);
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let lastSweep = 0;
  let listener: JobListener | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let stopped = false;
  /** Jobs claimed inside a task's transaction and not started yet (they count against the concurrency). */
  let reserved = 0;

  function start(job: JobRow): void {
    const p = runJob(job)
      .catch((err: unknown) => {
        // Recording the failure failed too (the database away): the lock expires and the job runs again.
        log.error({ job: job.id, task: job.task, error: describeError(err) }, 'job outcome not recorded');
        return false;
      })
      .then((claimed) => {
        inFlight.delete(p);
        // A job that looked for its successors in its own transaction took what was due then; anything enqueued
        // since wakes the loop by itself (nudge, NOTIFY, the poll). Otherwise look now.
        if (!claimed) wake?.();
      });
    inFlight.add(p);
  }

  /** Runs one job (never throws); true when it looked for the next jobs in its own transaction. */
  async function runJob(job: JobRow): Promise<boolean> {
    const task = options.tasks[job.task];
    const started = Date.now();
    let completedInTask = false;
    let claimed = false;
    let next: JobRow[] = [];
    const ctx: TaskContext = {
      async complete(trx) {
        await completeJob(trx, job, workerId);
        completedInTask = true; // if that transaction rolls back, the task throws and the failure path below runs
        // The jobs that take this one's place are claimed in the same transaction: under load a claim costs no
        // commit of its own (its rows are locked only if that transaction commits; they start once it has).
        const room = options.concurrency - inFlight.size - reserved + 1;
        if (stopped || room <= 0) return;
        next = await claimJobs(trx, { workerId, limit: room, dueBy: options.clock().toISOString(), lockedAt: new Date().toISOString(), tasks: taskNames });
        reserved += next.length;
        claimed = true;
      },
    };
    try {
      const result = await task.run(job, ctx);
      if (result && result.runAgainAt) await writer.run((trx) => rescheduleJob(trx, job, workerId, result.runAgainAt.toISOString()));
      else if (!completedInTask) await writer.run((trx) => completeJob(trx, job, workerId));
      metrics.jobRuns.inc({ task: job.task, outcome: result && result.runAgainAt ? 'rescheduled' : 'done' });
      log.debug({ job: job.id, task: job.task, ms: Date.now() - started }, 'job done');
      reserved -= next.length;
      for (const j of next) start(j);
      return claimed;
    } catch (err) {
      if (next.length > 0) {
        // The task failed after completing its job: whether that transaction committed or not, the jobs it claimed
        // are handed back (a no-op for rows the rollback never locked).
        reserved -= next.length;
        await writer.run((trx) => releaseClaimed(trx, next, workerId)).catch((e) => log.error({ error: describeError(e) }, 'handing back claimed jobs failed'));
      }
      const now = options.clock();
      const permanent = isPermanent(err);
      const later = task.retryLater && (!permanent || task.retryLater.alsoPermanent) ? task.retryLater : null;
      const attempt = Number(job.payload.attempt ?? 0) + 1;
      const outcome = await writer.run(async (trx) => {
        const o = await failJob(trx, job, workerId, describeError(err), { now, permanent, backoffBaseMs });
        if (o === 'exhausted' && later) {
          await enqueueJob(trx, {
            task: job.task,
            key: later.key(job, attempt),
            payload: { ...job.payload, attempt },
            runAt: new Date(now.getTime() + later.afterMs).toISOString(),
            maxAttempts: job.maxAttempts,
            createdAt: now.toISOString(),
          });
        }
        return o;
      });
      metrics.jobRuns.inc({ task: job.task, outcome });
      log.warn({ job: job.id, task: job.task, attempt: job.attempts, outcome, error: describeError(err) }, 'job failed');
      if (outcome === 'exhausted' && later) {
        log.warn({ job: job.id, task: job.task, ...job.payload, attempt, error: describeError(err) }, later.message);
      } else if (outcome === 'exhausted' && task.onExhausted) {
        try {
          await task.onExhausted(job, err);
        } catch (hookErr) {
          log.error({ job: job.id, error: describeError(hookErr) }, 'recording the failed job failed');
        }
      }
      return false;
    }
  }

  /** Claims what is due and starts it; returns how many jobs were started (-1: no room to start any). */
  async function tick(): Promise<number> {
    const now = options.clock();
    if (Date.now() - lastSweep >= leaseMs / 4) {
      lastSweep = Date.now();
      const staleBefore = new Date(lastSweep - leaseMs).toISOString();
      const freed = await writer.run((trx) => releaseStaleJobs(trx, staleBefore));
      if (freed > 0) {
        metrics.claimsRecovered.inc({ how: 'lease_expired' }, freed);
        log.warn({ jobs: freed, leaseMs }, 'freed the jobs of a worker whose lease ran out');
      }
    }
    const room = options.concurrency - inFlight.size - reserved;
    if (room <= 0) return -1;
    const jobs = await writer.run((trx) => claimJobs(trx, { workerId, limit: room, dueBy: now.toISOString(), lockedAt: new Date().toISOString(), tasks: taskNames }));
    for (const job of jobs) start(job);
    return jobs.length;
  }

  /** How long to sleep when nothing was due: until the next job is, at most the poll interval. */
  async function idleMs(): Promise<number> {
    const due = await nextRunAt(options.db, taskNames);
    if (!due) return options.pollMs;
    return Math.max(5, Math.min(options.pollMs, Date.parse(due) - options.clock().getTime()));
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  /** At start: the claims of this host's workers whose process is gone are freed at once. */
  async function freeDeadPredecessors(): Promise<void> {
    for (const holder of await lockHolders(options.db, `${os.hostname()}:`)) {
      if (!isDeadOnThisHost(holder)) continue;
      const freed = await writer.run((trx) => releaseJobsOf(trx, holder));
      if (freed > 0) {
        metrics.claimsRecovered.inc({ how: 'dead_process' }, freed);
        log.warn({ deadWorker: holder, jobs: freed }, 'freed the jobs of a worker that died on this host');
      }
    }
  }

  /** The lease of every job held is renewed while the worker lives. */
  function beat(): void {
    if (inFlight.size + reserved === 0) return;
    writer.run((trx) => renewLeases(trx, workerId, new Date().toISOString())).catch((err) => log.warn({ error: describeError(err) }, 'renewing job leases failed'));
  }

  return {
    workerId,
    leaseMs,
    start(): void {
      if (running) return;
      running = true;
      liveWorkers.add(workerId);
      heartbeat = setInterval(beat, leaseMs / 4);
      heartbeat.unref();
      if (options.listen !== false) {
        listener = listenForJobs(options.db, () => wake?.(), (err) => log.warn({ error: describeError(err) }, 'listening for new jobs failed; polling meanwhile'));
      }
      loop = (async () => {
        await freeDeadPredecessors().catch((err) => log.error({ error: describeError(err) }, 'freeing the jobs of dead workers failed'));
        while (running) {
          let started = 0;
          let waitMs = options.pollMs;
          try {
            started = await tick();
            if (started === 0) waitMs = await idleMs();
          } catch (err) {
            log.error({ error: describeError(err) }, 'claiming jobs failed');
          }
          if (running && started <= 0) {
            await sleep(waitMs);
            // Jobs finishing together (one group commit) wake us one after another: let them all finish first, so
            // one claim — one commit — takes their places instead of one claim each.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      })();
    },
    /** Something was enqueued: look now instead of at the next poll. */
    nudge(): void {
      wake?.();
    },
    async stop(): Promise<void> {
      running = false;
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      wake?.();
      await listener?.close();
      listener = null;
      await loop;
      await Promise.allSettled([...inFlight]);
      liveWorkers.delete(workerId);
    },
    /** Runs due jobs until none is left (tests and one-shot CLI use). */
    async runUntilIdle(maxRounds = 1000): Promise<void> {
      for (let i = 0; i < maxRounds; i++) {
        // Idle only when nothing ran while we looked: a job finishing during the claim may have enqueued its next
        // step after the claim's snapshot (they can share one group commit).
        const busyBefore = inFlight.size > 0;
        const started = await tick();
        if (started <= 0 && !busyBefore && inFlight.size === 0) return;
        await Promise.race([...inFlight, new Promise((r) => setTimeout(r, 5))]);
      }
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
