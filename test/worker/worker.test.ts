import { expect } from 'chai';
import pino from 'pino';
import type { Knex } from 'knex';
import { enqueueJob } from '../../src/db/jobs';
import { createWriteBatcher } from '../../src/db/write-batcher';
import { GatewayError } from '../../src/faults';
import { metrics } from '../../src/metrics';
import { createWorker, type Task } from '../../src/worker/worker';

/** gateway_job_claims_recovered_total{how} now. */
async function recovered(how: string): Promise<number> {
  return (await metrics.claimsRecovered.get()).values.find((v) => v.labels.how === how)?.value ?? 0;
}
import { createTestDb, TEST_DB_KIND, type TestDb } from '../helpers/db';

const logger = pino({ level: 'silent' });

async function addJobs(t: TestDb, task: string, n: number, prefix = task): Promise<void> {
  for (let i = 0; i < n; i++) {
    await enqueueJob(t.db, { task, key: `${prefix}:${i}`, payload: { n: i }, runAt: '2000-01-01T00:00:00.000Z', maxAttempts: 3, createdAt: new Date().toISOString() });
  }
}

describe(`worker and job queue (${TEST_DB_KIND})`, () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(async () => t.destroy());

  it('runs each job once and deletes it; the same key enqueued twice is one job', async () => {
    await addJobs(t, 'count', 20);
    await addJobs(t, 'count', 20); // same keys: ignored
    const seen: number[] = [];
    const worker = createWorker({ db: t.db, tasks: { count: { run: async (job) => void seen.push(Number(job.payload.n)) } }, clock: () => new Date(), logger, pollMs: 10, concurrency: 4 });
    await worker.runUntilIdle();
    expect(seen.sort((a, b) => a - b)).to.deep.equal([...Array(20).keys()]);
    expect(await t.db('jobs').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('a task completes its job in its own transaction; if that transaction rolls back, the job is kept for a retry', async () => {
    await t.db.schema.createTable('effects', (tb) => tb.integer('n'));
    await addJobs(t, 'atomic', 2);
    let failOnce = true;
    const worker = createWorker({
      db: t.db,
      tasks: {
        atomic: {
          run: async (job, ctx) => {
            await t.db.transaction(async (trx) => {
              await trx('effects').insert({ n: Number(job.payload.n) });
              await ctx!.complete(trx);
              if (Number(job.payload.n) === 1 && failOnce) {
                failOnce = false;
                throw new Error('crash after completing, before commit');
              }
            });
          },
        },
      },
      clock: () => new Date(),
      logger,
      pollMs: 10,
      concurrency: 2,
      backoffBaseMs: 1,
    });
    await worker.runUntilIdle();
    await new Promise((r) => setTimeout(r, 20));
    await worker.runUntilIdle();
    const effects = (await t.db('effects').select('n')).map((r) => Number(r.n)).sort();
    expect(effects, 'each effect stored exactly once').to.deep.equal([0, 1]);
    expect(await t.db('jobs').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('retryLater: attempts used up by a retryable failure → a fresh job later, the old one visible; a permanent fault ends it', async () => {
    await addJobs(t, 'away', 1);
    await addJobs(t, 'broken', 1);
    let exhausted = 0;
    const retryLater = { afterMs: 3_600_000, key: (job: { payload: Record<string, unknown> }, n: number) => `later:${job.payload.n}:${n}`, message: 'again later' };
    const now = new Date('2026-01-01T00:00:00.000Z');
    const worker = createWorker({
      db: t.db,
      tasks: {
        away: { run: async () => Promise.reject(new Error('ECONNREFUSED')), retryLater, onExhausted: async () => void exhausted++ },
        broken: { run: async () => Promise.reject(new GatewayError('REQUEST_FIELD', { field: 'x' })), retryLater, onExhausted: async () => void exhausted++ },
      },
      clock: () => now,
      logger,
      pollMs: 10,
      concurrency: 2,
      backoffBaseMs: 1,
    });
    await t.db('jobs').update({ max_attempts: 1 });
    await worker.runUntilIdle();
    const jobs = await t.db('jobs').orderBy('id').select('task', 'job_key', 'payload', 'run_at', 'failed_at');
    expect(jobs.map((j) => [j.task, j.job_key, j.failed_at !== null])).to.deep.equal([
      ['away', 'away:0', true],
      ['broken', 'broken:0', true],
      ['away', 'later:0:1', false],
    ]);
    expect(JSON.parse(jobs[2].payload)).to.deep.equal({ n: 0, attempt: 1 });
    expect(jobs[2].run_at).to.equal('2026-01-01T01:00:00.000Z');
    expect(exhausted, 'onExhausted only for the work that ended').to.equal(1);
  });

  it('retries with exponential backoff, then keeps the exhausted job visible and calls onExhausted once', async () => {
    await addJobs(t, 'flaky', 1);
    let now = new Date('2026-01-01T00:00:00.000Z');
    let runs = 0;
    let exhausted = 0;
    const task: Task = {
      run: async () => {
        runs++;
        throw new Error('network down');
      },
      onExhausted: async () => void exhausted++,
    };
    const worker = createWorker({ db: t.db, tasks: { flaky: task }, clock: () => now, logger, pollMs: 10, concurrency: 1, backoffBaseMs: 1000 });
    await worker.runUntilIdle();
    expect(runs).to.equal(1);
    let job = await t.db('jobs').first();
    expect(job.run_at).to.equal('2026-01-01T00:00:01.000Z'); // 1 s after the first failure
    expect(job.last_error).to.match(/network down/);
    expect(job.locked_by).to.equal(null);
    now = new Date('2026-01-01T00:00:01.000Z');
    await worker.runUntilIdle();
    job = await t.db('jobs').first();
    expect(job.run_at).to.equal('2026-01-01T00:00:03.000Z'); // then 2 s
    now = new Date('2026-01-01T00:00:10.000Z');
    await worker.runUntilIdle();
    await worker.runUntilIdle();
    expect(runs).to.equal(3);
    expect(exhausted).to.equal(1);
    job = await t.db('jobs').first();
    expect(job.failed_at).to.equal('2026-01-01T00:00:10.000Z');
    expect(Number(job.attempts)).to.equal(3);
  });

  it('a permanent typed fault is not retried', async () => {
    await addJobs(t, 'pin', 1);
    let runs = 0;
    const worker = createWorker({
      db: t.db,
      tasks: { pin: { run: async () => { runs++; throw new GatewayError('SIGNER_PIN_INCORRECT'); } } },
      clock: () => new Date(),
      logger,
      pollMs: 10,
      concurrency: 1,
    });
    await worker.runUntilIdle();
    expect(runs).to.equal(1);
    const job = await t.db('jobs').first();
    expect(job.failed_at).to.be.a('string');
    expect(job.last_error).to.match(/^4403 /);
  });

  it('frees a job whose worker died holding it', async () => {
    await addJobs(t, 'orphan', 1);
    await t.db('jobs').update({ locked_by: 'dead-worker', locked_at: '2026-01-01T00:00:00.000Z', attempts: 1 });
    let runs = 0;
    const worker = createWorker({ db: t.db, tasks: { orphan: { run: async () => void runs++ } }, clock: () => new Date('2026-01-01T01:00:00.000Z'), logger, pollMs: 10, concurrency: 1, leaseMs: 60_000 });
    await worker.runUntilIdle();
    expect(runs).to.equal(1);
  });

  it('leases: a claim whose worker stopped renewing it is freed after the lease, a renewed one never', async function () {
    this.timeout(10_000);
    const leaseMs = 1000;
    await addJobs(t, 'slow', 1);
    await addJobs(t, 'orphan', 1);
    // A worker that died a moment ago, elsewhere: its claim is freed once its lease runs out, not before.
    await t.db('jobs').where({ task: 'orphan' }).update({ locked_by: 'other-host:1:dead', locked_at: new Date().toISOString(), attempts: 1 });
    let release: () => void = () => undefined;
    const slowRuns: string[] = [];
    const orphanRuns: number[] = [];
    const holder = createWorker({
      db: t.db,
      workerId: 'holder',
      tasks: { slow: { run: () => (slowRuns.push('holder'), new Promise<void>((r) => (release = r))) } },
      clock: () => new Date(),
      logger,
      pollMs: 20,
      concurrency: 1,
      leaseMs,
    });
    const other = createWorker({
      db: t.db,
      workerId: 'other',
      tasks: { slow: { run: async () => void slowRuns.push('other') }, orphan: { run: async () => void orphanRuns.push(Date.now()) } },
      clock: () => new Date(),
      logger,
      pollMs: 20,
      concurrency: 2,
      leaseMs,
    });
    const recoveredBefore = await recovered('lease_expired');
    const started = Date.now();
    holder.start();
    try {
      for (let i = 0; i < 100 && slowRuns.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      other.start();
      // Three leases long: the holder's heartbeat keeps its claim; the dead worker's is freed after one lease.
      await new Promise((r) => setTimeout(r, 3 * leaseMs));
      expect(slowRuns, 'the running job is not taken from its live worker').to.deep.equal(['holder']);
      expect(orphanRuns).to.have.length(1);
      expect(orphanRuns[0]! - started).to.be.within(leaseMs, leaseMs * 1.5 + 200);
      expect((await recovered('lease_expired')) - recoveredBefore, 'gateway_job_claims_recovered_total{how="lease_expired"}').to.equal(1);
    } finally {
      release();
      await holder.stop();
      await other.stop();
    }
    expect(await t.db('jobs').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('a worker starting on a host frees at once the claims of that host’s workers whose process is gone', async () => {
    const { spawnSync } = await import('node:child_process');
    const os = await import('node:os');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process now
    await addJobs(t, 'periodic', 2);
    const now = new Date().toISOString();
    await t.db('jobs').where({ job_key: 'periodic:0' }).update({ locked_by: `${os.hostname()}:${deadPid}:crashed`, locked_at: now, attempts: 1 });
    // A live process of this host (our parent) holds the other: left to its lease.
    await t.db('jobs').where({ job_key: 'periodic:1' }).update({ locked_by: `${os.hostname()}:${process.ppid}:alive`, locked_at: now, attempts: 1 });
    const ran: number[] = [];
    const recoveredBefore = await recovered('dead_process');
    const worker = createWorker({ db: t.db, tasks: { periodic: { run: async (job) => void ran.push(Number(job.payload.n)) } }, clock: () => new Date(), logger, pollMs: 20, concurrency: 2 });
    worker.start();
    try {
      for (let i = 0; i < 100 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      expect(ran, 'the dead process’s job ran long before its 20 s lease').to.deep.equal([0]);
      expect((await recovered('dead_process')) - recoveredBefore).to.equal(1);
      expect(await t.db('jobs').where({ job_key: 'periodic:1' }).first('locked_by')).to.deep.equal({ locked_by: `${os.hostname()}:${process.ppid}:alive` });
    } finally {
      await worker.stop();
    }
  });

  it('several workers with their own connection pools never run a job twice', async function () {
    this.timeout(60_000);
    const total = 300;
    await addJobs(t, 'once', total);
    await t.db.schema.createTable('runs', (tb) => {
      tb.integer('n').notNullable();
      tb.string('worker').notNullable();
    });
    const workers = [0, 1, 2, 3].map((i) => {
      // PostgreSQL: each worker has its own pool, as separate processes would. SQLite: better-sqlite3 is synchronous,
      // so two connections in one thread would wait on each other's locks inside one blocked event loop; workers in
      // one process share the one connection there (separate processes each have their own).
      const db = i === 0 || TEST_DB_KIND === 'sqlite' ? t.db : t.connectAgain(4);
      return createWorker({
        db,
        workerId: `w${i}`,
        tasks: { once: { run: async (job) => { await db('runs').insert({ n: job.payload.n, worker: `w${i}` }); } } },
        clock: () => new Date(),
        logger,
        pollMs: 5,
        concurrency: 4,
      });
    });
    await Promise.all(workers.map((w) => w.runUntilIdle()));
    const rows = await t.db('runs').select('n', 'worker');
    const ns = rows.map((r) => Number(r.n));
    expect(ns).to.have.length(total);
    expect(new Set(ns).size).to.equal(total);
    if (TEST_DB_KIND === 'postgres') {
      // Real concurrency on PostgreSQL: the work was actually shared.
      expect(new Set(rows.map((r) => r.worker)).size).to.be.greaterThan(1);
    }
  });

  it('an idle worker sleeps until the next job is due, not a whole poll interval', async () => {
    const ran: number[] = [];
    const worker = createWorker({ db: t.db, tasks: { later: { run: async () => void ran.push(Date.now()) } }, clock: () => new Date(), logger, pollMs: 60_000, concurrency: 1 });
    worker.start();
    try {
      await new Promise((r) => setTimeout(r, 50)); // the worker looked, found nothing, and sleeps for a minute
      const due = Date.now() + 300;
      await enqueueJob(t.db, { task: 'later', key: 'later:1', payload: {}, runAt: new Date(due).toISOString(), maxAttempts: 1, createdAt: new Date().toISOString() });
      worker.nudge(); // what the enqueuing side does in this process (another process: NOTIFY on PostgreSQL)
      for (let i = 0; i < 100 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(ran, 'ran within two seconds').to.have.length(1);
      expect(ran[0]! - due, 'not before it was due, and soon after').to.be.within(0, 500);
    } finally {
      await worker.stop();
    }
  });

  // PostgreSQL only (SQLite has no notifications: there the in-process worker is nudged and other processes poll).
  if (TEST_DB_KIND === 'postgres') it('PostgreSQL: a job committed on another connection wakes a sleeping worker (LISTEN/NOTIFY)', async () => {
    const ran: number[] = [];
    const worker = createWorker({ db: t.db, tasks: { woken: { run: async () => void ran.push(Date.now()) } }, clock: () => new Date(), logger, pollMs: 60_000, concurrency: 1 });
    worker.start();
    const other = t.connectAgain(1); // another process's pool
    try {
      await new Promise((r) => setTimeout(r, 300)); // listening, and asleep for a minute
      const committed = Date.now();
      await enqueueJob(other, { task: 'woken', key: 'woken:1', payload: {}, runAt: new Date(committed - 1000).toISOString(), maxAttempts: 1, createdAt: new Date().toISOString() });
      for (let i = 0; i < 100 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(ran, 'ran within two seconds of the commit').to.have.length(1);
      expect(ran[0]! - committed).to.be.below(1000);
    } finally {
      await worker.stop();
    }
  });

  it('a task that completes its job also claims the next ones in that transaction: a chain of jobs costs one transaction a job', async () => {
    const writer = createWriteBatcher(t.db);
    let units = 0;
    const counting = { run: <T>(work: (trx: Knex.Transaction) => Promise<T>) => ((units += 1), writer.run(work)) };
    const ran: number[] = [];
    const chain: Task = {
      run: async (job, ctx) => {
        const n = Number(job.payload.n);
        ran.push(n);
        await counting.run(async (trx) => {
          if (n < 40) await enqueueJob(trx, { task: 'chain', key: `chain:${n + 1}`, payload: { n: n + 1 }, runAt: '2000-01-01T00:00:00.000Z', maxAttempts: 3, createdAt: new Date().toISOString() });
          await ctx!.complete(trx);
        });
      },
    };
    await enqueueJob(t.db, { task: 'chain', key: 'chain:1', payload: { n: 1 }, runAt: '2000-01-01T00:00:00.000Z', maxAttempts: 3, createdAt: new Date().toISOString() });
    // listen: false — on PostgreSQL each enqueue also NOTIFYs, and those wakes look again (cheap there: no fsync).
    const worker = createWorker({ db: t.db, writer: counting, tasks: { chain }, clock: () => new Date(), logger, pollMs: 60_000, concurrency: 2, listen: false });
    worker.start();
    try {
      for (let i = 0; i < 200 && ran.length < 40; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await worker.stop();
    }
    expect(ran).to.deep.equal([...Array(40).keys()].map((i) => i + 1));
    // 40 task transactions, and the loop's own at the start (the sweep of expired leases, a claim that finds job 1,
    // one that finds nothing): each next job was claimed in the transaction of the one before (else ≈ 80).
    expect(units, 'transactions').to.be.at.most(43);
    expect(await t.db('jobs').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('jobs claimed in a task’s transaction that then fails are handed back, never left locked', async () => {
    await addJobs(t, 'next', 3);
    let failFirst = true;
    const worker = createWorker({
      db: t.db,
      tasks: {
        first: {
          run: async (_job, ctx) => {
            await t.db.transaction(async (trx) => {
              await ctx!.complete(trx); // claims the three 'next' jobs in this transaction…
              if (failFirst) {
                failFirst = false;
                throw new Error('…which then rolls back');
              }
            });
          },
        },
        next: { run: async () => undefined },
      },
      clock: () => new Date(),
      logger,
      pollMs: 10,
      concurrency: 4,
      backoffBaseMs: 1,
    });
    await addJobs(t, 'first', 1);
    await worker.runUntilIdle();
    await new Promise((r) => setTimeout(r, 20));
    await worker.runUntilIdle();
    expect(failFirst).to.equal(false);
    expect(await t.db('jobs').count({ n: '*' }).first(), 'every job ran and was completed').to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });
});
