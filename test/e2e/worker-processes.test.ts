/**
 * Every task runs in a standalone worker: gateway A answers the SOAP API only (GW_WORKER=false) and worker processes
 * (`src/worker/main.ts`: two on PostgreSQL, one on SQLite, which has one writer) carry its invoices through the whole
 * GİB protocol — signing, envelopes, sendDocument, the system responses GİB pushes to A's endpoint, the KABUL that
 * comes back, the e-Arşiv report and its check. Gateway B (the receiver) and the GİB simulator are processes too.
 *
 * On PostgreSQL the workers poll only every 30 s: every step they take within the test's time was woken by
 * LISTEN/NOTIFY (a job committed by A or by another worker) or by the worker's own knowledge of the next due job.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import type * as soap from 'soap';
import { makeInvoice } from '../helpers/invoices';
import {
  E2E_DB_KIND,
  b64,
  freePorts,
  prepareGateway,
  simulatorProcess,
  tempDir,
  waitForStatus,
  workerProcess,
  type GatewayProcess,
  type ServiceProcess,
  type SimulatorProcess,
} from './harness';

const A_VKN = '1234567801';
const B_VKN = '9876543210';
const alias = (kind: 'gb' | 'pk', vkn: string) => `urn:mail:default${kind}@${vkn}.workers.test`;

describe(`worker processes beside an API-only gateway, the whole GİB protocol (${E2E_DB_KIND})`, function () {
  this.timeout(60_000);
  let sim: SimulatorProcess;
  let gwA: GatewayProcess;
  let gwB: GatewayProcess;
  let simDataDir: string;
  const workers: ServiceProcess[] = [];
  let a: soap.Client;
  let b: soap.Client;
  let metricsPort: number | undefined;

  before(async function () {
    this.timeout(90_000);
    const [simPort, aPort, bPort] = await freePorts(3);
    simDataDir = tempDir('gib-sim-workers-');
    sim = simulatorProcess(simPort!, { SIM_DATA_DIR: simDataDir, SIM_QUEUE_MS: '10', SIM_PROCESS_MS: '10', SIM_DELIVER_MS: '10', SIM_REPORT_MS: '50' });
    const timings = { GW_GIB_TICK_MS: '100', GW_GIB_CHECK_EVERY_MS: '100', GW_EARSIV_REPORT_EVERY_MS: '200', GW_USER_LIST_SYNC_MS: '60000' };
    [gwA, gwB] = await Promise.all([
      prepareGateway({
        name: 'gateway-A (API only)',
        port: aPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [{ vkn: A_VKN, title: 'SATICI TICARET A.S.', gbAlias: alias('gb', A_VKN), pkAlias: alias('pk', A_VKN), users: ['erp-a'] }],
        env: { ...timings, GW_WORKER: 'false' },
      }),
      prepareGateway({
        name: 'gateway-B',
        port: bPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [{ vkn: B_VKN, title: 'ALICI LIMITED SIRKETI', gbAlias: alias('gb', B_VKN), pkAlias: alias('pk', B_VKN), users: ['erp-b'] }],
        env: { ...timings, GW_WORKER_POLL_MS: '50' },
      }),
      sim.start(),
    ]);
    await sim.admin('POST', '/users', [
      { vknTckn: A_VKN, title: 'SATICI TICARET A.S.', aliases: [{ alias: alias('gb', A_VKN), role: 'GB' }, { alias: alias('pk', A_VKN), role: 'PK' }] },
      { vknTckn: B_VKN, title: 'ALICI LIMITED SIRKETI', aliases: [{ alias: alias('gb', B_VKN), role: 'GB' }, { alias: alias('pk', B_VKN), role: 'PK' }] },
    ]);
    await sim.admin('POST', '/endpoints', { url: gwA.gibEndpointUrl, vkns: [A_VKN], name: 'integrator A' });
    await sim.admin('POST', '/endpoints', { url: gwB.gibEndpointUrl, vkns: [B_VKN], name: 'integrator B' });
    await Promise.all([gwA.start(), gwB.start()]);

    // PostgreSQL: a 30-second poll, so only LISTEN/NOTIFY (or a known due time) can wake the workers in time.
    const workerEnv = { GW_WORKER_POLL_MS: E2E_DB_KIND === 'postgres' ? '30000' : '50', GW_WORKER_CONCURRENCY: '4' };
    const count = E2E_DB_KIND === 'postgres' ? 2 : 1;
    [metricsPort] = await freePorts(1);
    // The first worker serves its metrics (GW_METRICS_PORT).
    for (let i = 1; i <= count; i++) workers.push(workerProcess(gwA, `worker-${i}`, { ...workerEnv, ...(i === 1 ? { GW_METRICS_PORT: String(metricsPort) } : {}) }));
    await Promise.all(workers.map((w) => w.start()));
    [a, b] = await Promise.all([gwA.client('erp-a'), gwB.client('erp-b')]);
    await b.CheckUserAsync({ vknTckn: A_VKN, refresh: true });
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const p of [sim, gwA, gwB, ...workers]) if (p) process.stderr.write(`\n--- last output of ${p.name} ---\n${p.logTail(30)}\n`);
  });

  after(async function () {
    this.timeout(30_000);
    await Promise.allSettled(workers.map((w) => w.stop()));
    await Promise.allSettled([gwA?.cleanup(), gwB?.cleanup(), sim?.stop()]);
    if (simDataDir) fs.rmSync(simDataDir, { recursive: true, force: true });
  });

  it('an e-Fatura reaches 1300 and B’s KABUL; an e-Arşiv invoice reaches Başarılı — all steps run by the workers', async () => {
    const jobsAt = async () => JSON.stringify(await gwA.db()('jobs').select('task', 'attempts', 'last_error', 'run_at'));
    const [sentE] = await a.SendInvoiceAsync({ document: b64(makeInvoice({ profile: 'TICARIFATURA', supplierVkn: A_VKN, customerVkn: B_VKN })) });
    const [sentA] = await a.SendInvoiceAsync({ document: b64(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: A_VKN, customerVkn: '11111111111' })) });

    const delivered = await waitForStatus(a, sentE.invoice.ettn, '1300 at A', (s) => s.state === 'DELIVERED', { timeoutMs: 20_000, extra: jobsAt });
    expect(delivered.history.map((h) => h.toState).slice(0, 5)).to.deep.equal(['RECEIVED', 'PROCESSED', 'SIGNED', 'ENVELOPED', 'SENT']);
    await b.SendApplicationResponseAsync({ ettn: delivered.ettn, response: 'KABUL' });
    const accepted = await waitForStatus(a, delivered.ettn, 'KABUL at A', (s) => s.state === 'ACCEPTED', { timeoutMs: 20_000, extra: jobsAt });
    expect(accepted.applicationResponse).to.equal('KABUL');

    const success = await waitForStatus(a, sentA.invoice.ettn, 'Başarılı', (s) => s.state === 'SUCCESS', { timeoutMs: 20_000, extra: jobsAt });
    expect(success.history.map((h) => h.toState)).to.include.members(['SIGNED', 'IN_REPORT', 'REPORTED', 'SUCCESS']);

    // Each step once, whichever worker ran it.
    const steps = await gwA.db()('state_history').where({ machine: 'efatura-invoice' }).select('event');
    for (const e of ['PROCESS', 'SIGN', 'ENVELOPE', 'SEND', 'APPLICATION_ACCEPTED']) expect(steps.filter((s) => s.event === e), e).to.have.length(1);

    // A standalone worker's /metrics: its job runs, and the shared queue.
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const runs = [...text.matchAll(/^gateway_job_runs_total\{[^}]*outcome="(?:done|rescheduled)"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(runs, 'jobs this worker ran').to.be.greaterThan(0);
    expect(text).to.match(/^gateway_jobs_waiting\{task="[a-z.]+"\} \d+/m);
  });
});
