import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';
import { makeInvoice } from '../helpers/invoices';
import { soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND } from '../helpers/db';
import { REPO_DIR } from '../helpers/paths';

/** The gateway with GW_WORKER=false answers SendInvoice; separate worker processes carry the invoices on. */
describe(`worker processes beside an API-only gateway (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  let gw: TestGateway;
  const workers: ChildProcess[] = [];

  before(async () => {
    gw = await startTestGateway({ env: { GW_WORKER: 'false' } });
  });
  after(async () => {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : null)));
    await gw.close();
  });

  function startWorker(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'worker', 'main.ts')], {
      cwd: REPO_DIR,
      env: {
        ...process.env,
        GW_DATA_DIR: gw.config.dataDir,
        GW_DATABASE_URL: gw.testDb.databaseUrl ?? '',
        GW_SQLITE_FILE: gw.testDb.sqliteFile,
        GW_WORKER_POLL_MS: '20',
        GW_LOG_LEVEL: 'warn',
        // A worker runs GİB's tasks too (test/e2e/worker-processes.test.ts); here GİB is nowhere, and e-Arşiv
        // invoices of today wait in SIGNED for the report of the day (sent after midnight against a real GİB).
        GW_SIMULATOR: 'false',
        GW_GIB_EFATURA_URL: 'http://127.0.0.1:9/EFatura',
        GW_GIB_EARSIV_URL: 'http://127.0.0.1:9/EArsiv',
        GW_GIB_CANCEL_PORTAL_URL: 'http://127.0.0.1:9/FaturaIptal',
        GW_GIB_EDEFTER_URL: 'http://127.0.0.1:9/EDefter',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workers.push(child);
    return new Promise((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', () => resolve());
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
  }

  it('invoices sent to the API reach İmzalandı through two worker processes, each job run once', async () => {
    const client = await soapClient(gw);
    const ettns: string[] = [];
    for (let i = 0; i < 20; i++) {
      const [res] = await client.SendInvoiceAsync({
        document: Buffer.from(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: null })).toString('base64'),
        assignNumber: true,
      });
      ettns.push(res.invoice.ettn);
    }
    expect(await gw.testDb.db('invoices').where({ state: 'RECEIVED' }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 20);
    await Promise.all([startWorker(), startWorker()]);
    const deadline = Date.now() + 40_000;
    let signed = 0;
    while (Date.now() < deadline) {
      signed = Number((await gw.testDb.db('invoices').whereIn('ettn', ettns).andWhere({ state: 'SIGNED' }).count({ n: '*' }).first())!.n);
      if (signed === ettns.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(signed).to.equal(ettns.length);
    // Exactly one PROCESS and one SIGN transition per invoice, whichever process ran it.
    const transitions = await gw.testDb.db('state_history').whereIn('event', ['PROCESS', 'SIGN']).select('entity_id', 'event');
    expect(transitions).to.have.length(2 * ettns.length);
    // Nothing left but the periodic duties' own rows.
    expect(await gw.testDb.db('jobs').whereNot('job_key', 'like', 'periodic:%').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });
});
