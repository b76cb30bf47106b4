import type { Knex } from 'knex';
import { dbClient, parseJson, reading } from './connect';
import { execute, executeReturning, selectAll } from './sql';

/**
 * The job queue's SQL (graphile-worker's shape): one statement claims, `locked_by` guards every later change, no
 * transaction is held while a task runs, exhausted jobs stay visible with `failed_at`.
 */

export interface JobRow {
  id: number;
  task: string;
  key: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
}

export interface NewJob {
  task: string;
  key: string;
  payload: Record<string, unknown>;
  runAt: string;
  maxAttempts: number;
  createdAt: string;
}

/** Enqueue inside the caller's transaction; a job with the same key already waiting is kept (idempotent). */
export async function enqueueJob(trx: Knex | Knex.Transaction, job: NewJob): Promise<void> {
  await execute(
    trx,
    'insert into jobs (task, job_key, payload, run_at, attempts, max_attempts, created_at) values (?, ?, ?, ?, 0, ?, ?) on conflict (job_key) do nothing',
    [job.task, job.key, JSON.stringify(job.payload), job.runAt, job.maxAttempts, job.createdAt],
  );
}

function toJob(row: Record<string, unknown>): JobRow {
  return {
    id: Number(row.id),
    task: String(row.task),
    key: String(row.job_key),
    payload: parseJson(row.payload, {}),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    lastError: (row.last_error as string | null) ?? null,
  };
}

/**
 * Claims up to `limit` jobs due by `dueBy` (the business clock) in one statement; `lockedAt` starts the claim's
 * lease (wall-clock time: a lease is about the worker being alive, not about the tenants' clock). PostgreSQL:
 * `for update skip locked` inside `update … returning`, so several workers never claim the same job. SQLite has one
 * writer, so the same statement is already atomic there (knex silently drops forUpdate and throws on skipLocked on
 * SQLite, hence the raw SQL).
 */
export async function claimJobs(
  db: Knex | Knex.Transaction,
  claim: { workerId: string; limit: number; dueBy: string; lockedAt: string; tasks: readonly string[] },
): Promise<JobRow[]> {
  const { workerId, limit, dueBy, lockedAt, tasks } = claim;
  if (tasks.length === 0) return [];
  const lock = dbClient(db as Knex) === 'postgres' ? 'for update skip locked' : '';
  const taskList = tasks.map(() => '?').join(', ');
  const rows = await executeReturning(
    db,
    `update jobs set locked_by = ?, locked_at = ?, attempts = attempts + 1
     where id in (
       select id from jobs
       where locked_by is null and failed_at is null and run_at <= ? and task in (${taskList})
       order by run_at, id
       limit ? ${lock}
     )
     returning *`,
    [workerId, lockedAt, dueBy, ...tasks, limit],
  );
  return rows.map(toJob);
}

/**
 * Moves a job still waiting (not claimed, not failed) whose key starts with `keyPrefix` to `runAt`; false when there
 * is none (the caller enqueues a new one). For work scheduled at a date the user may change.
 */
export async function rescheduleWaitingJob(trx: Knex | Knex.Transaction, keyPrefix: string, runAt: string): Promise<boolean> {
  const like = `${keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const n = await execute(trx, "update jobs set run_at = ? where job_key like ? escape '\\' and locked_by is null and failed_at is null", [runAt, like]);
  return n > 0;
}

export async function completeJob(db: Knex | Knex.Transaction, job: JobRow, workerId: string): Promise<void> {
  await execute(db, 'delete from jobs where id = ? and locked_by = ?', [job.id, workerId]);
}

/** Hands claimed jobs back unrun: unlocked, the claim's attempt not counted. */
export async function releaseClaimed(db: Knex | Knex.Transaction, jobs: readonly JobRow[], workerId: string): Promise<void> {
  if (jobs.length === 0) return;
  await db('jobs')
    .whereIn('id', jobs.map((j) => j.id))
    .andWhere({ locked_by: workerId })
    .update({ locked_by: null, locked_at: null, attempts: db.raw('attempts - 1') });
}

/** Keeps the job for another run at `runAt`, as if new (attempts start again). */
export async function rescheduleJob(db: Knex | Knex.Transaction, job: JobRow, workerId: string, runAt: string): Promise<void> {
  await db('jobs').where({ id: job.id, locked_by: workerId }).update({ locked_by: null, locked_at: null, attempts: 0, last_error: null, run_at: runAt });
}

/** Retry later with exponential backoff, or mark exhausted; only the worker holding the lock may do either. */
export async function failJob(
  db: Knex | Knex.Transaction,
  job: JobRow,
  workerId: string,
  error: string,
  opts: { now: Date; permanent: boolean; backoffBaseMs: number },
): Promise<'retry' | 'exhausted'> {
  const exhausted = opts.permanent || job.attempts >= job.maxAttempts;
  const delay = Math.min(opts.backoffBaseMs * 2 ** (job.attempts - 1), 60 * 60 * 1000);
  await db('jobs')
    .where({ id: job.id, locked_by: workerId })
    .update({
      locked_by: null,
      locked_at: null,
      last_error: error.slice(0, 2000),
      run_at: new Date(opts.now.getTime() + delay).toISOString(),
      failed_at: exhausted ? opts.now.toISOString() : null,
    });
  return exhausted ? 'exhausted' : 'retry';
}

/** When the next job of these tasks is due (null: none waiting); the worker sleeps no longer than that. */
export async function nextRunAt(db: Knex, tasks: readonly string[]): Promise<string | null> {
  if (tasks.length === 0) return null;
  const row = await reading(db)('jobs').whereNull('locked_by').whereNull('failed_at').whereIn('task', tasks).min({ at: 'run_at' }).first();
  return row?.at ? String(row.at) : null;
}

/** The PostgreSQL channel a trigger notifies when jobs are inserted (migration 003). */
export const JOBS_CHANNEL = 'gateway_jobs';

export interface JobListener {
  close(): Promise<void>;
}

/**
 * On PostgreSQL, calls `onJob` whenever another connection (another process) commits new jobs: a connection of its
 * own LISTENs on JOBS_CHANNEL, and is opened again after a failure (polling covers the gap). Null on SQLite.
 */
export function listenForJobs(db: Knex, onJob: () => void, onError: (err: unknown) => void): JobListener | null {
  if (dbClient(db) !== 'postgres') return null;
  type PgConnection = { query(sql: string): Promise<unknown>; on(event: string, fn: (arg: unknown) => void): void; end(): Promise<void> };
  const client = db.client as { acquireRawConnection(): Promise<PgConnection> };
  let conn: PgConnection | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    try {
      const c = await client.acquireRawConnection();
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      conn = c;
      c.on('notification', () => onJob());
      c.on('error', (err) => {
        onError(err);
        reconnect();
      });
      await c.query(`listen ${JOBS_CHANNEL}`);
      onJob(); // anything committed while we were not listening
    } catch (err) {
      onError(err);
      reconnect();
    }
  };
  const reconnect = (): void => {
    const old = conn;
    conn = null;
    void old?.end().catch(() => undefined);
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, 1000);
  };
  void connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = conn;
      conn = null;
      await c?.end().catch(() => undefined);
    },
  };
}

/** Renews the lease of every job the worker holds (its heartbeat). */
export async function renewLeases(db: Knex | Knex.Transaction, workerId: string, at: string): Promise<number> {
  return execute(db, 'update jobs set locked_at = ? where locked_by = ?', [at, workerId]);
}

/** Frees jobs whose worker stopped renewing their lease before `staleBefore`; returns how many. */
export async function releaseStaleJobs(db: Knex | Knex.Transaction, staleBefore: string): Promise<number> {
  return execute(db, 'update jobs set locked_by = null, locked_at = null where locked_by is not null and locked_at < ?', [staleBefore]);
}

/** The workers holding jobs whose id starts with `prefix` (e.g. this host's). */
export async function lockHolders(db: Knex | Knex.Transaction, prefix: string): Promise<string[]> {
  const rows = await selectAll<{ locked_by: string }>(db, 'select distinct locked_by from jobs where substr(locked_by, 1, ?) = ?', [prefix.length, prefix]);
  return rows.map((r) => r.locked_by);
}

/** Frees every job a (dead) worker holds; returns how many. */
export async function releaseJobsOf(db: Knex | Knex.Transaction, workerId: string): Promise<number> {
  return execute(db, 'update jobs set locked_by = null, locked_at = null where locked_by = ?', [workerId]);
}

export interface QueueStats {
  task: string;
  /** Not claimed, not failed (due now or later). */
  waiting: number;
  /** Due by `now` and not claimed: the backlog. */
  due: number;
  /** Claimed by a worker. */
  running: number;
  /** Failed for good, kept visible (failed_at). */
  failed: number;
  /** Seconds since the oldest due, unclaimed job became due (0 without one). */
  oldestDueAgeSeconds: number;
}

/** The queue by task, for the metrics (one grouped read). */
export async function queueStats(db: Knex, now: Date): Promise<QueueStats[]> {
  const nowIso = now.toISOString();
  const rows = await selectAll<Record<string, unknown>>(
    db,
    `select task,
       sum(case when locked_by is null and failed_at is null then 1 else 0 end) as waiting,
       sum(case when locked_by is null and failed_at is null and run_at <= ? then 1 else 0 end) as due,
       sum(case when locked_by is not null then 1 else 0 end) as running,
       sum(case when failed_at is not null then 1 else 0 end) as failed,
       min(case when locked_by is null and failed_at is null and run_at <= ? then run_at end) as oldest_due
     from jobs group by task`,
    [nowIso, nowIso],
  );
  return rows.map((r) => ({
    task: String(r.task),
    waiting: Number(r.waiting),
    due: Number(r.due),
    running: Number(r.running),
    failed: Number(r.failed),
    oldestDueAgeSeconds: r.oldest_due ? Math.max(0, (now.getTime() - Date.parse(String(r.oldest_due))) / 1000) : 0,
  }));
}
