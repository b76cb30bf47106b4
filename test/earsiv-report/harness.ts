/**
 * A gateway's e-Arşiv pipeline for tests, built from its real parts: a fresh test database, the machine store and
 * write batcher, a file blob store, development seals per tenant (signer registry in dev mode), the real invoice
 * service (SendInvoice's service) with the gateway's validator, the worker with the invoice tasks and the three
 * e-Arşiv report tasks, and a GİB simulator over real HTTP on loopback (GİB's EArsiv.xsd checked by libxml2,
 * signatures verified against the development roots). The clock is the test's: it only moves when told.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import type { JobRow } from '../../src/db/jobs';
import { createMachineStore } from '../../src/db/machine-store';
import { createWriteBatcher } from '../../src/db/write-batcher';
import { createEarsivClient, type EarsivClient } from '../../src/gib/earsiv-client';
import type { Ettn } from '../../src/ids';
import type { Caller } from '../../src/security/authenticator';
import { createInvoiceService, type InvoiceService } from '../../src/services/invoice.service';
import { createSignerRegistry } from '../../src/services/signer-registry';
import { createSimulator, type Simulator } from '../../src/simulator';
import { createBlobStore } from '../../src/storage/blob-store';
import { createInvoiceValidator } from '../../src/validation';
import { createEarsivReportService, istanbulDay, type EarsivReportDeps, type EarsivReportService } from '../../src/services/earsiv-report.service';
import { createInvoiceCancelService, type InvoiceCancelService } from '../../src/services/invoice-cancel.service';
import { createInvoicePipeline } from '../../src/services/invoice-pipeline.service';
import { ensurePeriodicJobs } from '../../src/worker/periodic';
import { EARSIV_REPORT_BUILD_TASK, earsivTasks } from '../../src/worker/tasks/earsiv.tasks';
import { invoiceTasks } from '../../src/worker/tasks/invoice.tasks';
import { createWorker, type Worker } from '../../src/worker/worker';
import { makeInvoice } from '../helpers/invoices';
import { GIB_DIR } from '../helpers/paths';
import { createTestDb, tempDir, type TestDb } from '../helpers/db';

export const TENANT_VKN = '1234567801';
export const OTHER_TENANT_VKN = '9876543210';
export const INTEGRATOR_VKN = '1111111111';
export const DAY_MS = 86_400_000;

/** Development seals are kept across harnesses (one RSA key per tenant VKN for the whole run). */
const SEAL_DIR = tempDir('gw-earsiv-seals-');

export interface HarnessOptions {
  /** null: daily mode. Default 1000 ms. */
  everyMs?: number | null;
  checkEveryMs?: number;
  /** Attempts of every job the store enqueues (and of the report tasks' own retry jobs). */
  maxAttempts?: number;
  maxPerReport?: number;
  /** The simulator decides a report this long after taking it. */
  reportMs?: number;
  /** Client timeout (ms). */
  timeoutMs?: number;
}

export interface Harness {
  testDb: TestDb;
  db: TestDb['db'];
  sim: Simulator;
  deps: EarsivReportDeps;
  /** The e-Arşiv report service over `deps`. */
  reports: EarsivReportService;
  /** CancelInvoice's service (e-Arşiv cancellations). */
  cancels: InvoiceCancelService;
  worker: Worker;
  invoices: InvoiceService;
  tenantId: number;
  caller: Caller;
  /** A second tenant's user, for isolation checks. */
  otherCaller: Caller;
  roots: Buffer[];
  /** Log lines (JSON objects) the tasks wrote. */
  logs: Array<Record<string, unknown>>;
  /** The test's clock. */
  now(): Date;
  setNow(d: Date): void;
  advance(ms: number): void;
  /** Istanbul day `n` days after the first day (day 1 = the harness's first day). */
  day(n: number): string;
  /** 10:00 Istanbul on day `n`. */
  at(n: number, hhmm?: string): Date;
  /** GİB reachable (true) or not: the client in deps then calls a port nobody listens on. */
  setGibUp(up: boolean): void;
  /** SendInvoice with an assigned number (the real service), e-Arşiv, issued on `issueDate`. */
  send(o?: { issueDate?: string; customerVkn?: string; caller?: Caller }): Promise<{ ettn: Ettn; number: string; id: number }>;
  /** Enqueues the periodic earsiv.report job (due now). */
  schedule(): Promise<void>;
  /** Runs the worker until idle, lets the simulator decide, moves the clock `stepMs` and again, `rounds` times. */
  settle(rounds?: number, stepMs?: number): Promise<void>;
  invoice(id: number): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** A loopback port nothing listens on (taken and released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export const DUMMY_JOB: JobRow = { id: 0, task: EARSIV_REPORT_BUILD_TASK, key: 'test', payload: {}, attempts: 1, maxAttempts: 1, lastError: null };

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const testDb = await createTestDb();
  const { db } = testDb;
  const dir = tempDir('gw-earsiv-flow-');
  // Day 1 is two days after today: the development seals (valid from an hour before their creation) and the
  // validator's "not after today" rule both hold on the test's clock.
  const day1 = istanbulDay(new Date(Date.now() + 2 * DAY_MS));
  const at = (n: number, hhmm = '10:00') => new Date(Date.parse(`${day1}T${hhmm}:00+03:00`) + (n - 1) * DAY_MS);
  let now = at(1);
  const clock = () => new Date(now);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const maxAttempts = opts.maxAttempts ?? 3;

  const writer = createWriteBatcher(db);
  const store = createMachineStore(db, { clock, maxAttempts, writer });
  const blobs = createBlobStore({ db, dir: path.join(dir, 'blobs'), clock });
  const signers = createSignerRegistry({ db, clock, defaultSigner: { type: 'dev' }, devSealDir: SEAL_DIR, trustedRoots: [] });
  const created = new Date().toISOString();
  const [t1] = await db('tenants').insert({ vkn: TENANT_VKN, title: 'TEST TICARET A.S.', gb_alias: 'urn:mail:defaultgb@test', pk_alias: 'urn:mail:defaultpk@test', created_at: created }).returning('id');
  const [t2] = await db('tenants').insert({ vkn: OTHER_TENANT_VKN, title: 'DIGER FIRMA A.S.', gb_alias: 'urn:mail:gb@diger', pk_alias: 'urn:mail:pk@diger', created_at: created }).returning('id');
  const tenantId = Number(typeof t1 === 'object' ? t1.id : t1);
  const otherId = Number(typeof t2 === 'object' ? t2.id : t2);
  // Open both seals now, so their development roots exist for the simulator to trust.
  await signers.signerFor(tenantId);
  await signers.signerFor(otherId);
  const roots = await signers.trustedRoots();

  const validator = createInvoiceValidator({ maxUnzippedBytes: 10 * 1024 * 1024, now: clock });
  const invoices = createInvoiceService({ db, store, writer, validator, blobs, clock, verifySignature: async () => undefined });
  const caller: Caller = { userId: 1, username: 'erp', tenantId, tenantVkn: TENANT_VKN };

  const sim = createSimulator({ gibDir: GIB_DIR, trustedRoots: roots, timings: { reportMs: opts.reportMs ?? 20 }, clock });
  await sim.start(0);
  const timeoutMs = opts.timeoutMs ?? 3000;
  const live = createEarsivClient({ url: sim.earsivUrl, timeoutMs });
  const dead = createEarsivClient({ url: `http://127.0.0.1:${await deadPort()}/EArsiv`, timeoutMs });
  let up = true;
  const client: EarsivClient = {
    sendReport: (xml, id) => (up ? live : dead).sendReport(xml, id),
    getReportStatus: (p) => (up ? live : dead).getReportStatus(p),
    getUserList: () => (up ? live : dead).getUserList(),
  };

  const deps: EarsivReportDeps = {
    db,
    writer,
    store,
    blobs,
    signers,
    client,
    clock,
    logger,
    everyMs: opts.everyMs === undefined ? 1000 : opts.everyMs,
    checkEveryMs: opts.checkEveryMs ?? 1000,
    integratorVkn: INTEGRATOR_VKN,
    ...(opts.maxPerReport ? { maxPerReport: opts.maxPerReport } : {}),
  };
  const reports = createEarsivReportService(deps);
  const pipeline = createInvoicePipeline({ db, store, writer, blobs, signers, clock, logger });
  const worker = createWorker({
    db,
    writer,
    clock,
    logger,
    pollMs: 50,
    concurrency: 4,
    backoffBaseMs: 10,
    tasks: { ...invoiceTasks(pipeline, { gib: false }), ...earsivTasks(reports, clock) },
  });

  const h: Harness = {
    testDb,
    db,
    sim,
    deps,
    reports,
    cancels: createInvoiceCancelService({ db, store, clock }),
    worker,
    invoices,
    tenantId,
    caller,
    otherCaller: { userId: 2, username: 'diger', tenantId: otherId, tenantVkn: OTHER_TENANT_VKN },
    roots,
    logs,
    now: clock,
    setNow(d) {
      now = d;
    },
    advance(ms) {
      now = new Date(now.getTime() + ms);
    },
    day: (n) => istanbulDay(at(n)),
    at,
    setGibUp(v) {
      up = v;
    },
    async send(o = {}) {
      const xml = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: (o.caller ?? caller).tenantVkn, number: null, issueDate: o.issueDate ?? istanbulDay(clock()), ...(o.customerVkn ? { customerVkn: o.customerVkn } : {}) });
      const view = await invoices.sendInvoice(o.caller ?? caller, { document: Buffer.from(xml), container: 'xml', assignNumber: true, signed: false });
      const row = await db('invoices').where({ tenant_id: (o.caller ?? caller).tenantId, ettn: view.ettn }).first('id');
      return { ettn: view.ettn, number: view.invoiceNumber!, id: Number(row.id) };
    },
    async schedule() {
      await ensurePeriodicJobs(db, [EARSIV_REPORT_BUILD_TASK], clock());
    },
    async settle(rounds = 6, stepMs = 1000) {
      for (let i = 0; i < rounds; i++) {
        await worker.runUntilIdle();
        await sim.idle(5000);
        now = new Date(now.getTime() + stepMs);
      }
      await worker.runUntilIdle();
    },
    async invoice(id) {
      return db('invoices').where({ id }).first();
    },
    async close() {
      await worker.stop();
      await sim.stop();
      await signers.close();
      await testDb.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
