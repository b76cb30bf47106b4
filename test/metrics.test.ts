import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type * as soap from 'soap';
import { enqueueJob } from '../src/db/jobs';
import { execute } from '../src/db/sql';
import { createGibClient } from '../src/gib/client';
import { buildGetApplicationResponseRequest, soapContentType } from '../src/gib/protocol';
import { createSimulator, type Simulator } from '../src/simulator';
import { faultOf, soapClient, startTestGateway, TEST_VKN, type TestGateway } from './helpers/gateway';
import { TEST_DB_KIND } from './helpers/db';
import { makeInvoice } from './helpers/invoices';

/** One sample of a scrape: the value of `name` with exactly these labels (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(/,(?=[a-z_]+=")/).filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return 0;
}

describe(`metrics: /metrics in Prometheus's format (${TEST_DB_KIND})`, function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let client: soap.Client;
  let base: string;
  const scrape = async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  before(async () => {
    gw = await startTestGateway();
    client = await soapClient(gw);
    base = gw.url.replace(/\/soap\/gateway$/, '');
  });
  after(async () => gw?.close());

  it('counts requests by endpoint, operation, outcome and fault code, with their latency', async () => {
    const before = await scrape();
    const notFound = await client.GetStatusAsync({ ettn: randomUUID() }).catch(faultOf);
    const [sent] = await client.SendInvoiceAsync({ document: Buffer.from(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN })).toString('base64') });
    await client.GetStatusAsync({ ettn: sent.invoice.ettn });
    await fetch(`${base}/health`);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('gateway_http_requests_total', { endpoint: 'soap', operation: 'GetStatus', outcome: 'fault', code: String(notFound.code) })).to.equal(1);
    expect(delta('gateway_http_requests_total', { endpoint: 'soap', operation: 'GetStatus', outcome: 'ok', code: '' })).to.equal(1);
    expect(delta('gateway_http_requests_total', { endpoint: 'soap', operation: 'SendInvoice', outcome: 'ok', code: '' })).to.equal(1);
    expect(delta('gateway_http_requests_total', { endpoint: 'other', operation: 'health', outcome: 'ok', code: '' })).to.equal(1);
    expect(delta('gateway_http_request_duration_seconds_count', { endpoint: 'soap', operation: 'GetStatus' })).to.equal(2);
    // Node's own: memory, event loop delay.
    expect(after).to.match(/^process_resident_memory_bytes \d+/m);
    expect(after).to.match(/^nodejs_eventloop_lag_seconds /m);
  });

  it('shows the job queue by task, read from the database when scraped', async () => {
    const db = gw.testDb.db;
    const now = Date.now();
    const job = (key: string, runAt: number) => ({ task: 'metrics.test', key, payload: {}, runAt: new Date(runAt).toISOString(), maxAttempts: 1, createdAt: new Date(now).toISOString() });
    await enqueueJob(db, job('due-old', now - 90_000));
    await enqueueJob(db, job('due-new', now - 1_000));
    await enqueueJob(db, job('later', now + 3_600_000));
    await enqueueJob(db, job('running', now - 5_000));
    await enqueueJob(db, job('failed', now - 5_000));
    await db('jobs').where({ job_key: 'running' }).update({ locked_by: 'somebody', locked_at: new Date(now).toISOString() });
    await db('jobs').where({ job_key: 'failed' }).update({ failed_at: new Date(now).toISOString() });
    await new Promise((r) => setTimeout(r, 600)); // past the scrape cache
    const text = await scrape();
    const task = { task: 'metrics.test' };
    expect(sample(text, 'gateway_jobs_due', task)).to.equal(2);
    expect(sample(text, 'gateway_jobs_waiting', task)).to.equal(3);
    expect(sample(text, 'gateway_jobs_running', task)).to.equal(1);
    expect(sample(text, 'gateway_jobs_failed', task)).to.equal(1);
    expect(sample(text, 'gateway_jobs_oldest_due_age_seconds', task)).to.be.within(89, 120);
    await db('jobs').where({ task: 'metrics.test' }).delete();
  });

  it('counts database errors by kind (knex and the prepared statements) and blob store errors', async () => {
    const db = gw.testDb.db;
    const before = await scrape();
    const key = `dup-${randomUUID()}`;
    const insert = `insert into jobs (task, job_key, payload, run_at, attempts, max_attempts, created_at) values ('metrics.dup', ?, '{}', '2000-01-01', 0, 1, '2000-01-01')`;
    await execute(db, insert, [key]);
    await execute(db, insert, [key]).catch(() => undefined); // the prepared-statement path
    await db.raw(insert, [key]).catch(() => undefined); // knex
    await gw.gateway.blobs.get('0'.repeat(64)).catch(() => undefined);
    const after = await scrape();
    expect(sample(after, 'gateway_database_errors_total', { kind: 'constraint' }) - sample(before, 'gateway_database_errors_total', { kind: 'constraint' })).to.equal(2);
    expect(sample(after, 'gateway_blob_store_errors_total', { op: 'get' }) - sample(before, 'gateway_blob_store_errors_total', { op: 'get' })).to.equal(1);
    await db('jobs').where({ task: 'metrics.dup' }).delete();
  });

  it('counts GİB endpoint requests by operation and GİB fault code', async () => {
    // Last of the top-level tests: the gateway built last is the queue gauges' source.
    // A gateway with GİB wired (nothing listens at its GİB address: no call is made here).
    const dead = 'http://127.0.0.1:9/x';
    const withGib = await startTestGateway({ deps: { gib: { efaturaUrl: dead, earsivUrl: dead, cancelPortalUrl: dead, edefterUrl: dead } } });
    try {
      const gibBase = withGib.url.replace(/\/soap\/gateway$/, '');
      const gibPost = (body: Buffer) => fetch(`${gibBase}/gib/EFatura`, { method: 'POST', headers: { 'content-type': soapContentType() }, body: new Uint8Array(body) });
      const before = await scrape();
      expect((await gibPost(buildGetApplicationResponseRequest(randomUUID()))).status).to.equal(400); // 2004 ZARF ID BULUNAMADI
      expect((await gibPost(Buffer.from('no soap'))).status).to.equal(500); // 2005 SISTEM HATASI
      const after = await scrape(); // one registry per process: the same counters
      const delta = (labels: Record<string, string>) => sample(after, 'gateway_http_requests_total', labels) - sample(before, 'gateway_http_requests_total', labels);
      expect(delta({ endpoint: 'gib', operation: 'getApplicationResponse', outcome: 'fault', code: '2004' })).to.equal(1);
      expect(delta({ endpoint: 'gib', operation: '', outcome: 'fault', code: '2005' })).to.equal(1);
    } finally {
      await withGib.close();
    }
  });

  describe('calls to GİB by outcome', () => {
    let sim: Simulator;
    let silent: net.Server;
    const sockets: net.Socket[] = [];
    before(async () => {
      sim = createSimulator({});
      await sim.start(0);
      silent = net.createServer((s) => void sockets.push(s)); // accepts, never answers
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    });
    after(async () => {
      await sim?.stop();
      for (const s of sockets) s.destroy();
      silent?.close();
    });

    it('ok, a GİB fault, a timeout and a refused connection each count under their outcome', async () => {
      const before = await scrape();
      const ok = createGibClient({ url: sim.soapUrl, timeoutMs: 2000 });
      expect(await ok.getApplicationResponse(randomUUID())).to.equal(null); // 2004: GİB does not know it
      const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/EFatura`;
      await createGibClient({ url: silentUrl, timeoutMs: 200 }).getApplicationResponse(randomUUID()).catch(() => undefined);
      await createGibClient({ url: 'http://127.0.0.1:1/EFatura', timeoutMs: 500 }).getApplicationResponse(randomUUID()).catch(() => undefined);
      const after = await scrape();
      const delta = (outcome: string) =>
        sample(after, 'gateway_gib_calls_total', { service: 'efatura', operation: 'getApplicationResponse', outcome }) -
        sample(before, 'gateway_gib_calls_total', { service: 'efatura', operation: 'getApplicationResponse', outcome });
      expect({ fault: delta('fault'), timeout: delta('timeout'), network: delta('network') }).to.deep.equal({ fault: 1, timeout: 1, network: 1 });
    });
  });
});
