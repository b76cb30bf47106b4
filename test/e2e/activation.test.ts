/**
 * Issue 14's end-to-end run, across three processes (the GİB simulator and two gateways) over real HTTP: a new
 * company at gateway A orders e-Fatura and e-Arşiv and pays by card, activates e-Fatura now and e-Arşiv an hour
 * later, signs the contract on its own card (a SoftHSM token, with the `contract:sign` tool as a customer runs it),
 * is Aktif for e-Fatura at once and for e-Arşiv when the hour has passed — gateway A's clock moved through
 * GW_CLOCK_OFFSET_FILE — and gets both e-mails (a real SMTP server); then a company at gateway B sends it an e-Fatura,
 * which reaches 1300: GİB opened the company and routes to its integrator.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { createRootCa } from '../../src/signing/dev-seal';
import { faultOf } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';
import { parseMail, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { createSoftHsmToken, sharedSoftHsmDir, SOFTHSM_MODULE, type SoftHsmToken } from '../helpers/softhsm';
import { asList, b64, E2E_DB_KIND, freePorts, prepareGateway, REPO_DIR, simulatorProcess, tempDir, waitForStatus, type GatewayProcess, type SimulatorProcess } from './harness';

const NEW_VKN = '4444444441'; // the new company, at gateway A
const B_VKN = '9876543210'; // an e-Fatura user for years, at gateway B
const A_INTEGRATOR = '1111111114';
const B_INTEGRATOR = '2222222225';
const alias = (kind: 'gb' | 'pk', vkn: string) => `urn:mail:default${kind}@${vkn}.e2e.test`;

describe(`service activation end to end: simulator and two gateways as separate processes (${E2E_DB_KIND})`, function () {
  this.timeout(90_000);
  let sim: SimulatorProcess;
  let gwA: GatewayProcess;
  let gwB: GatewayProcess;
  let smtp: TestSmtpServer;
  let token: SoftHsmToken;
  let dir: string;
  let clockFile: string;
  let a: soap.Client;
  let b: soap.Client;

  before(async function () {
    this.timeout(90_000);
    dir = tempDir('gw-e2e-activation-');
    smtp = await startSmtpServer({ tls: 'none' });
    // The company's card: its key made on the token, its certificate from a CA gateway A trusts.
    const ca = createRootCa({ commonName: 'E2E Mali Muhur Koku' });
    const caFile = path.join(dir, 'customer-ca.pem');
    fs.writeFileSync(caFile, ca.certPem);
    token = await createSoftHsmToken(sharedSoftHsmDir(), { vkn: NEW_VKN, title: 'YENI FIRMA A.S.', ca });
    clockFile = path.join(dir, 'clock-offset-ms');
    fs.writeFileSync(clockFile, '0');

    const [simPort, aPort, bPort] = await freePorts(3);
    sim = simulatorProcess(simPort!, {
      SIM_QUEUE_MS: '10',
      SIM_PROCESS_MS: '10',
      SIM_DELIVER_MS: '10',
      SIM_PUSH_FINAL_STATES: 'true',
      // GİB opens e-Fatura only for a company that applied first: the new company did.
      SIM_REQUIRE_APPLICATION: 'true',
      SIM_APPLICATIONS: NEW_VKN,
    });
    const timings = { GW_WORKER_POLL_MS: '50', GW_GIB_TICK_MS: '100', GW_GIB_CHECK_EVERY_MS: '100', GW_USER_LIST_SYNC_MS: '60000', GW_WORKER_BACKOFF_MS: '100' };
    [gwA, gwB] = await Promise.all([
      prepareGateway({
        name: 'gateway-A',
        port: aPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [{ vkn: NEW_VKN, title: 'YENI FIRMA A.S.', gbAlias: alias('gb', NEW_VKN), pkAlias: alias('pk', NEW_VKN), users: ['yeni'] }],
        env: {
          ...timings,
          GW_INTEGRATOR_VKN: A_INTEGRATOR,
          GW_TRUSTED_ROOTS: caFile,
          GW_CLOCK_OFFSET_FILE: clockFile,
          GW_SMTP_HOST: '127.0.0.1',
          GW_SMTP_PORT: String(smtp.port),
          GW_SMTP_REQUIRE_TLS: 'false',
        },
      }),
      prepareGateway({
        name: 'gateway-B',
        port: bPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [{ vkn: B_VKN, title: 'ESKI KULLANICI LTD. STI.', gbAlias: alias('gb', B_VKN), pkAlias: alias('pk', B_VKN), users: ['eski'] }],
        env: { ...timings, GW_INTEGRATOR_VKN: B_INTEGRATOR },
      }),
      sim.start(),
    ]);
    // GİB knows each integrator's address; B's company has been a user for years. The new company is nobody yet.
    await sim.admin('POST', '/users', [{ vknTckn: B_VKN, title: 'ESKI KULLANICI LTD. STI.', aliases: [{ alias: alias('gb', B_VKN), role: 'GB' }, { alias: alias('pk', B_VKN), role: 'PK' }] }]);
    await sim.admin('POST', '/endpoints', { url: gwA.gibEndpointUrl, vkns: [A_INTEGRATOR], name: 'integrator A' });
    await sim.admin('POST', '/endpoints', { url: gwB.gibEndpointUrl, vkns: [B_INTEGRATOR, B_VKN], name: 'integrator B' });
    await execCli(gwA, 'tenant:email', '--vkn', NEW_VKN, '--email', 'finans@yenifirma.com.tr');
    await Promise.all([gwA.start(), gwB.start()]);
    [a, b] = await Promise.all([gwA.client('yeni'), gwB.client('eski')]);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const p of [sim, gwA, gwB]) if (p) process.stderr.write(`\n--- last output of ${p.name} ---\n${p.logTail(30)}\n`);
  });

  after(async () => {
    await Promise.all([gwA?.cleanup(), gwB?.cleanup()]);
    await sim?.stop();
    await smtp?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const services = async () => {
    const rows = await gwA.db()('tenant_services').select('service', 'state', 'activation_at');
    return Object.fromEntries(rows.map((r: any) => [r.service, r]));
  };
  const mailSubjects = () => smtp.received.filter((m) => m.rcptTo.includes('finans@yenifirma.com.tr')).map((m) => parseMail(m.raw).subject);

  it('the company orders e-Fatura and e-Arşiv and pays by card: Aktivasyon Bekliyor', async () => {
    const [r] = await a.OrderServicesAsync({ service: ['EFATURA', 'EARSIV'], creditsKurus: 50_000, paymentMethod: 'CARD' });
    expect(r.order.state).to.equal('PAID');
    const listed = asList<any>((await a.ListServicesAsync({}))[0].service);
    expect(listed.map((s) => `${s.service} ${s.code} ${s.description}`)).to.deep.equal(['EFATURA 1 Aktivasyon Bekliyor', 'EARSIV 1 Aktivasyon Bekliyor']);
  });

  it('activates e-Fatura now and e-Arşiv an hour later, signs the contract on its card: e-Fatura Aktif at once, e-Arşiv waits', async () => {
    const later = new Date(Date.now() + 3600_000 + 3 * 3600_000).toISOString().slice(0, 16);
    const [r] = await a.ActivateServiceAsync({ service: ['EFATURA', `EARSIV@${later}`] });
    expect(r.contractId).to.be.a('string');
    const pinFile = path.join(dir, 'pin');
    fs.writeFileSync(pinFile, token.pin, { mode: 0o600 });
    const out = await run(process.execPath, [
      '--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), 'contract:sign',
      '--url', `${gwA.baseUrl}/soap/gateway`, '--username', 'yeni', '--password-file', path.join(gwA.dataDir, 'password.txt'),
      '--module', SOFTHSM_MODULE, '--token-label', token.tokenLabel, '--pin-file', pinFile,
    ], { SOFTHSM2_CONF: token.conf });
    expect(out).to.include('e-Fatura Hizmeti açma. Sonuç: Başarılı').and.include('e-Arşiv hizmeti açma. Sonuç: Başarılı');
    await until('e-Fatura Aktif', async () => ((await services()).EFATURA?.state === 'ACTIVE' ? true : undefined));
    expect((await services()).EARSIV.state).to.equal('AWAITING_SEND');
    const user = (await sim.admin<Array<{ vknTckn: string; aliases: Array<{ alias: string; role: string }> }>>('GET', '/users')).find((u) => u.vknTckn === NEW_VKN);
    expect(user?.aliases.map((x) => x.role).sort()).to.deep.equal(['GB', 'PK']);
  });

  it('when the hour has passed (gateway A\'s clock), e-Arşiv is sent and Aktif; both e-mails arrive', async () => {
    fs.writeFileSync(clockFile, String(3600_000 + 5 * 60_000));
    try {
      await until('e-Arşiv Aktif', async () => ((await services()).EARSIV?.state === 'ACTIVE' ? true : undefined), 30_000);
    } finally {
      fs.writeFileSync(clockFile, '0'); // the ERP's WS-Security timestamps are real time
    }
    await until('both notices', async () => {
      const subjects = mailSubjects();
      return subjects.includes('e-Fatura hizmetiniz açıldı') && subjects.includes('e-Arşiv hizmetiniz açıldı') ? subjects : undefined;
    }, 20_000);
    const efatura = smtp.received.map((m) => parseMail(m.raw)).find((m) => m.subject === 'e-Fatura hizmetiniz açıldı')!;
    expect(efatura.text ?? '').to.include(`Vergi kimlik numarası: ${NEW_VKN}`).and.include("GİB'ten gelen yanıt: (1300) BASARIYLA TAMAMLANDI");
  });

  it('a company at gateway B sends the new company an e-Fatura: it reaches 1300 and is in the new company\'s inbox', async () => {
    const [check] = await b.CheckUserAsync({ vknTckn: NEW_VKN, refresh: true });
    expect(check.efaturaUser).to.equal(true);
    let sent;
    try {
      [sent] = await b.SendInvoiceAsync({ document: b64(makeInvoice({ profile: 'TICARIFATURA', supplierVkn: B_VKN, customerVkn: NEW_VKN })) });
    } catch (err) {
      throw new Error(JSON.stringify(faultOf(err)));
    }
    await waitForStatus(b, sent.invoice.ettn, '1300', (s) => s.state === 'DELIVERED', { timeoutMs: 30_000, everyMs: 100 });
    const inbox = asList<any>((await a.ListIncomingInvoicesAsync({}))[0]?.invoice);
    expect(inbox.map((i) => String(i.ettn).toLowerCase())).to.include(String(sent.invoice.ettn).toLowerCase());
  });
});

async function execCli(gw: GatewayProcess, ...args: string[]): Promise<string> {
  return run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), ...args], gw.env);
}

function run(file: string, args: string[], env: Record<string, string>): Promise<string> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(GW_|SIM_)/.test(k)) clean[k] = v;
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: REPO_DIR, env: { ...clean, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.slice(2).join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}
