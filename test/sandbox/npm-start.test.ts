/**
 * The gateway as `npm start` runs it (scripts/start.sh: `cli demo:init`, then src/server.ts) on its embedded defaults —
 * SQLite, the built-in GİB simulator, the development seal — with nothing configured but the data dir and the ports:
 * the demo user's e-Fatura reaches 1300, an e-Arşiv invoice reaches Başarılı and its cancellation is reported, each
 * within seconds (README: "How long each stage takes"). SQLite only: `npm start`'s default is the point.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import * as soap from 'soap';
import { makeInvoice } from '../helpers/invoices';
import { REPO_DIR, b64, freePorts, httpJson, serviceProcess, tempDir, waitForStatus, type ServiceProcess, type Status } from '../e2e/harness';

const run = promisify(execFile);

describe('npm start: the sandbox on its defaults', function () {
  this.timeout(120_000);
  let gw: ServiceProcess;
  let client: soap.Client;
  let dataDir: string;

  before(async function () {
    this.timeout(90_000);
    dataDir = tempDir('gw-sandbox-');
    const [port, simPort] = await freePorts(2);
    const env = { GW_DATA_DIR: dataDir, GW_PORT: String(port), GW_SIMULATOR_PORT: String(simPort), GW_LOG_LEVEL: 'warn' };
    await run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src/cli.ts'), 'demo:init'], { cwd: REPO_DIR, env: { ...process.env, ...env } });
    gw = serviceProcess({ name: 'npm-start', script: 'src/server.ts', port: port!, env, readyPath: '/health', readyTimeoutMs: 60_000 });
    await gw.start();
    const password = /username: demo\npassword: (\S+)/.exec(fs.readFileSync(path.join(dataDir, 'demo-credentials.txt'), 'utf8'))![1]!;
    client = await soap.createClientAsync(`${gw.baseUrl}/soap/gateway?wsdl`);
    client.setSecurity(new soap.WSSecurity('demo', password, { passwordType: 'PasswordDigest', hasNonce: true, hasTimeStamp: false }));
  });

  after(async () => {
    await gw?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`\n--- last output of the gateway ---\n${gw.logTail(30)}\n`);
  });

  const send = async (xml: string): Promise<Status> => (await client.SendInvoiceAsync({ document: b64(xml) }))[0].invoice;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

  it('/health answers {"status":"ok"} as the README says', async () => {
    expect(await httpJson('GET', `${gw.baseUrl}/health`)).to.deep.equal({ status: 'ok' });
  });

  it('an e-Fatura from demo to demo-alici reaches 1300 within seconds', async () => {
    const t0 = Date.now();
    const sent = await send(makeInvoice({ profile: 'TICARIFATURA', supplierVkn: '1234567801', customerVkn: '9876543210' }));
    const done = await waitForStatus(client, sent.ettn, '1300', (s) => s.state === 'DELIVERED', { timeoutMs: 20_000, everyMs: 100 });
    console.log(`      e-Fatura SendInvoice → 1300: ${seconds(Date.now() - t0)}`);
    // The history names the signer as the README and GW_SIGNER do: the development seal is `dev`.
    expect(done.history.find((h) => h.toState === 'SIGNED')?.reason).to.equal('mali mühür ile imzalandı (dev)');
  });

  it('an e-Arşiv invoice reaches Başarılı, and its cancellation is reported, each within seconds (not GİB\'s minutes)', async () => {
    const t0 = Date.now();
    const sent = await send(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: '1234567801', customerVkn: '11111111111' }));
    const ok = await waitForStatus(client, sent.ettn, 'Başarılı', (s) => s.state === 'SUCCESS', { timeoutMs: 20_000, everyMs: 100 });
    const reported = Date.now() - t0;
    expect(ok.portalTab).to.equal('Başarılı');
    const t1 = Date.now();
    await client.CancelInvoiceAsync({ ettn: sent.ettn });
    const cancelled = await waitForStatus(client, sent.ettn, 'cancellation reported', (s) => s.state === 'CANCEL_REPORTED', { timeoutMs: 20_000, everyMs: 100 });
    expect(cancelled.code).to.equal(1235);
    console.log(`      e-Arşiv SendInvoice → Başarılı: ${seconds(reported)}; CancelInvoice → cancellation reported: ${seconds(Date.now() - t1)}`);
  });
});
