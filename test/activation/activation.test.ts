/**
 * Service activation (issue 14; seed 003) through the SOAP API, with GİB's simulator in this process over real HTTP
 * (it now takes USERENVELOPEs: 1300, or 1182 for an e-Fatura without a prior application), a real SMTP server for
 * the notices, the customer's seal a software key under the tests' root, and an injected clock for the dates.
 * Every refusal is checked to leave the services and the contract as they were.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { contractIdOf, signContract } from '../../src/activation/contract';
import { payServices } from '../../src/activation/service-rows';
import { openContract } from '../../src/db/tenant-services';
import { createRootCa, issueSealCertificate } from '../../src/signing/dev-seal';
import { createSigner, type Signer } from '../../src/signing/signer';
import { createSimulator, type Simulator } from '../../src/simulator';
import { GIB_ENDPOINT_PATH } from '../../src/soap/gib-endpoint';
import { orderedServices, serviceRows } from '../helpers/activation';
import { tempDir } from '../helpers/db';
import { REPO_DIR } from '../helpers/paths';
import { expectFault, OTHER_VKN, send, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { softSeal, until } from '../helpers/ledger-world';
import { testRootCa } from '../helpers/softhsm';
import { parseMail, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

const INTEGRATOR_VKN = '4840847211';
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const b64 = (b: Buffer) => b.toString('base64');

/** The Turkish wall-clock date-time ActivateService takes, `ms` from `now`. */
function trTime(now: Date, ms: number): string {
  return new Date(now.getTime() + ms + 3 * 3600_000).toISOString().slice(0, 16);
}

describe('service activation: Hizmetlerim, the contract, GİB (simulator) and e-mail notices', function () {
  this.timeout(60_000);
  let dir: string;
  let sim: Simulator;
  let gw: TestGateway;
  let client: soap.Client;
  let smtp: TestSmtpServer;
  let seal: Signer;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  // GİB's address as the gateway knows it: a TCP relay to the simulator that can be cut (GİB down) and restored.
  let relay: Relay;

  before(async () => {
    dir = tempDir('gw-activation-');
    smtp = await startSmtpServer({ tls: 'none' });
    let roots: () => Promise<Buffer[]> = async () => [];
    // GİB: e-Fatura opens only for taxpayers that applied first; the test company did, OTHER_VKN did not.
    sim = createSimulator({ trustedRoots: () => roots(), pushFinalStates: true, requireApplication: true, applications: [TEST_VKN], clock });
    const simUrl = new URL(await sim.start(0));
    relay = await startRelay(Number(simUrl.port));
    const viaRelay = (u: string) => u.replace(`:${simUrl.port}/`, `:${relay.port}/`);
    const rootFile = path.join(dir, 'test-root.pem');
    fs.writeFileSync(rootFile, testRootCa().certPem);
    gw = await startTestGateway({
      clock,
      env: {
        GW_TRUSTED_ROOTS: rootFile,
        GW_INTEGRATOR_VKN: INTEGRATOR_VKN,
        GW_SMTP_HOST: '127.0.0.1',
        GW_SMTP_PORT: String(smtp.port),
        GW_SMTP_REQUIRE_TLS: 'false',
        GW_WORKER_BACKOFF_MS: '50',
        GW_USER_LIST_SYNC_MS: '3600000',
      },
      deps: { gib: { efaturaUrl: viaRelay(sim.soapUrl), earsivUrl: viaRelay(sim.earsivUrl), cancelPortalUrl: viaRelay(sim.cancelPortalUrl), edefterUrl: viaRelay(sim.edefterUrl) } },
    });
    roots = () => gw.gateway.signers.trustedRoots();
    sim.store.registerEndpoint({ url: gw.url.replace(/\/soap\/gateway$/, GIB_ENDPOINT_PATH), aliases: [], vkns: [INTEGRATOR_VKN], name: 'gateway' });
    await gw.gateway.services.tenants.setEmail(TEST_VKN, 'muhasebe@test-ticaret.com.tr');
    client = await soapClient(gw);
    seal = await softSeal(dir, TEST_VKN);
    gw.gateway.worker.start();
  });

  after(async () => {
    await seal?.close();
    await gw?.close();
    await sim?.stop();
    await relay?.close();
    await smtp?.close();
  });

  // A test that moves the clock puts it back: the ERP's WS-Security timestamps are real time (5-minute window).
  afterEach(() => {
    offset = 0;
  });

  const rows = () => serviceRows(gw.gateway, gw.tenant.id);
  const states = async () => Object.fromEntries(Object.entries(await rows()).map(([k, r]) => [k, r.state]));
  const activate = (...service: string[]) => client.ActivateServiceAsync({ service }).then((r: any[]) => r[0]);
  const contract = async () => Buffer.from((await client.GetActivationContractAsync({}))[0].contract, 'base64');
  const submit = (signed: Buffer) => client.SubmitActivationContractAsync({ contract: b64(signed) }).then((r: any[]) => r[0]);
  const mailsTo = (address: string) => smtp.received.filter((m) => m.rcptTo.includes(address)).map((m) => parseMail(m.raw));

  it('an ordered service not paid yet cannot be activated (4702: Onay Bekliyor)', async () => {
    await orderedServices(gw.gateway, gw.tenant.id, ['EFATURA', 'EARSIV', 'EIRSALIYE', 'ETICARET'], { paid: false });
    const f = await expectFault(activate('EFATURA'));
    expect(f.code).to.equal(4702);
    expect(f.message).to.equal('HİZMETİN ÖDEMESİ ONAYLANMADI (ONAY BEKLİYOR): e-Fatura');
    const listed = list((await client.ListServicesAsync({}))[0].service);
    expect(listed.map((s: any) => `${s.service} ${s.code} ${s.description}`)).to.deep.equal([
      'EFATURA 0 Onay Bekliyor', 'EARSIV 0 Onay Bekliyor', 'EIRSALIYE 0 Onay Bekliyor', 'ETICARET 0 Onay Bekliyor',
    ]);
  });

  it('once paid: Aktivasyon Bekliyor with its Hizmet Açılış Tarihi; e-Ticaret (no contract, no GİB) is Aktif at once', async () => {
    await gw.gateway.writer.run((trx) => payServices(trx, gw.gateway.store, gw.tenant.id, ['EFATURA', 'EARSIV', 'EIRSALIYE', 'ETICARET'], clock().toISOString(), 'test'));
    const r = await activate('ETICARET');
    const s = list(r.service)[0] as any;
    expect([s.service, s.code, s.description]).to.deep.equal(['ETICARET', 2, 'Aktif']);
    expect(r.contract).to.equal(undefined);
    const row = (await rows()).ETICARET!;
    expect(row.openedAt).to.be.a('string');
    expect(row.activationAt).to.be.a('string');
    expect((await rows()).EFATURA!.state).to.equal('AWAITING_ACTIVATION');
  });

  it('a past date (4704) and an e-Fatura date later than e-Arşiv\'s (4705) are refused; nothing changes', async () => {
    const before = await states();
    const past = await expectFault(activate(`EARSIV@${trTime(clock(), -24 * 3600_000)}`));
    expect(past.code).to.equal(4704);
    const order = await expectFault(activate(`EFATURA@${trTime(clock(), 2 * 3600_000)}`, `EARSIV@${trTime(clock(), 3600_000)}`));
    expect(order.code).to.equal(4705);
    expect(order.message).to.match(/^E-FATURA AKTİVASYON TARİHİ DİĞER HİZMETLERDEN İLERİ TARİHLİ SEÇİLEMEZ: /);
    const unknown = await expectFault(activate('EFATURAX'));
    expect(unknown.code).to.equal(4701);
    expect(await states()).to.deep.equal(before);
    expect(await openContract(gw.gateway.db, gw.tenant.id)).to.equal(null);
  });

  let issued: Buffer;
  it('e-Fatura now and e-Arşiv an hour later: Müşteri İmzası Bekliyor, the company details, the XML for GİB and the contract', async () => {
    const r = await activate('EFATURA', `EARSIV@${trTime(clock(), 3600_000)}`);
    expect(r.company).to.deep.equal({ vkn: TEST_VKN, title: 'TEST TICARET A.S.', gbAlias: `urn:mail:defaultgb@${TEST_VKN}.gateway.local`, pkAlias: `urn:mail:defaultpk@${TEST_VKN}.gateway.local` });
    const services = list(r.service) as any[];
    expect(services.map((s) => `${s.service} ${s.code} ${s.description} ${s.operation}`)).to.deep.equal([
      'EFATURA 3 Müşteri İmzası Bekliyor e-Fatura Hizmeti açma',
      'EARSIV 3 Müşteri İmzası Bekliyor e-Arşiv hizmeti açma',
    ]);
    // XML'i Göster: the HR-XML ProcessUserAccount with the company's aliases and GİB's option code (ÖZEL: 2, 22).
    const efaturaXml = String(services[0].gibXml);
    expect(efaturaXml).to.include('<ProcessUserAccount').and.include(`<UserID>${TEST_VKN}</UserID>`).and.include(`urn:mail:defaultpk@${TEST_VKN}.gateway.local`).and.include('<UserOptionCode>2</UserOptionCode>');
    expect(String(services[1].gibXml)).to.include('<UserOptionCode>22</UserOptionCode>').and.not.include('UserRole');
    issued = Buffer.from(r.contract, 'base64');
    expect(contractIdOf(issued)).to.equal(r.contractId);
    expect(issued.toString('utf8')).to.include('<AcilisTarihi>Hesap Hemen Açılsın</AcilisTarihi>').and.include(`<VKN>${INTEGRATOR_VKN}</VKN>`);
    expect((await contract()).equals(issued)).to.equal(true);
    expect((await rows()).EARSIV!.activationAt).to.be.a('string');
  });

  it('a contract signed with another VKN\'s seal (4709), changed before signing (4707), or by an untrusted root (4708): refused, nothing changes', async () => {
    const before = await states();
    const other = await softSeal(dir, OTHER_VKN);
    try {
      const f = await expectFault(submit(await signContract(issued, other)));
      expect(f.code).to.equal(4709);
    } finally {
      await other.close();
    }
    const changed = Buffer.from(issued.toString('utf8').replace('Hesap Hemen Açılsın', '2030-01-01T00:00:00.000+03:00'));
    expect((await expectFault(submit(await signContract(changed, seal)))).code).to.equal(4707);
    const signed = await signContract(issued, seal);
    const tampered = Buffer.from(signed.toString('utf8').replace('<Metin>Bu sözleşme', '<Metin>Şu sözleşme'));
    expect((await expectFault(submit(tampered))).code).to.equal(4708);
    // The right VKN, but issued by a root the gateway does not trust.
    const ca = createRootCa({ commonName: 'Sahte Kok' });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(dir, 'untrusted.key.pem');
    fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(`${keyFile}.cert`, issueSealCertificate({ publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), vkn: TEST_VKN, title: 'TEST TICARET A.S.', ca }));
    const untrusted = await createSigner({ type: 'software', keyFile, certFile: `${keyFile}.cert` });
    try {
      const f = await expectFault(submit(await signContract(issued, untrusted)));
      expect(f.code).to.equal(4708);
    } finally {
      await untrusted.close();
    }
    expect(await states()).to.deep.equal(before);
    expect((await openContract(gw.gateway.db, gw.tenant.id))?.state).to.equal('ISSUED');
  });

  it('signed with the company\'s own seal: "Sonuç: Başarılı" per service; e-Fatura goes to GİB at once and is Aktif with 1300, on GİB\'s user list', async () => {
    const r = await submit(await signContract(issued, seal));
    expect(list(r.result)).to.deep.equal(['e-Fatura Hizmeti açma. Sonuç: Başarılı', 'e-Arşiv hizmeti açma. Sonuç: Başarılı']);
    expect((await expectFault(submit(await signContract(issued, seal)))).code).to.equal(4706); // signed already
    const efatura = await until('e-Fatura Aktif', async () => ((await rows()).EFATURA!.state === 'ACTIVE' ? (await rows()).EFATURA : undefined));
    expect(efatura!.context).to.deep.include({ gibCode: 1300 });
    const history = await gw.gateway.store.history('activation', efatura!.id);
    expect(history.map((h) => `${h.toState} ${h.code}`)).to.deep.equal([
      'ORDERED 0', 'AWAITING_ACTIVATION 1', 'AWAITING_SIGNATURE 3', 'AWAITING_SEND 4', 'AWAITING_GIB 5', 'ACTIVE 2',
    ]);
    expect(history.at(-1)!.reason).to.equal('GİB sistem yanıtı: (1300) BASARIYLA TAMAMLANDI');
    // GİB now lists the company with both aliases, delivered to this gateway (the integrator's endpoint).
    const user = sim.store.getUser(TEST_VKN)!;
    expect(user.aliases.map((a) => `${a.role} ${a.alias}`).sort()).to.deep.equal([`GB urn:mail:defaultgb@${TEST_VKN}.gateway.local`, `PK urn:mail:defaultpk@${TEST_VKN}.gateway.local`]);
    expect(sim.store.endpointFor({ alias: `urn:mail:defaultpk@${TEST_VKN}.gateway.local`, vknTckn: TEST_VKN })?.name).to.equal('gateway');
    // The USERENVELOPE carried the integrator's seal inside oa:Signature (the simulator verified it with the roots).
    const env = [...sim.store.envelopes.values()].find((e) => e.type === 'USERENVELOPE')!;
    expect(env.sender).to.deep.include({ alias: 'usergb', vknTckn: INTEGRATOR_VKN });
    expect(env.state).to.equal(1300);
    // e-Arşiv waits for its hour: GİB'e Gönderimi Bekliyor, its send a job due then.
    const earsiv = (await rows()).EARSIV!;
    expect(earsiv.state).to.equal('AWAITING_SEND');
    const job = await gw.gateway.db('jobs').where('job_key', 'like', `activation.send:${earsiv.id}:%`).first();
    expect(Date.parse(job.run_at)).to.equal(Date.parse(earsiv.activationAt!));
  });

  it('the e-mail notice of Aktif reaches the company\'s address', async () => {
    const efatura = await until('the Aktif notice', async () => mailsTo('muhasebe@test-ticaret.com.tr').find((m) => m.subject === 'e-Fatura hizmetiniz açıldı'), 10_000);
    expect(mailsTo('muhasebe@test-ticaret.com.tr').map((m) => m.subject)).to.include('e-Ticaret hizmetiniz açıldı');
    expect(efatura.text).to.include(`Vergi kimlik numarası: ${TEST_VKN}`).and.include('Ünvan: TEST TICARET A.S.').and.include("GİB'ten gelen yanıt: (1300) BASARIYLA TAMAMLANDI");
    // The README shows this notice: the same text, its time aside.
    const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
    const block = /The notice is worded like e-Logo's:\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
    const untimed = (t: string) => t.replace(/^Tarih: .*$/m, 'Tarih: …').trim();
    expect(untimed(efatura.text!)).to.equal(untimed(block));
  });

  it('an Aktif service cannot be activated again (4703); Değiştir moves a waiting service\'s send', async () => {
    const f = await expectFault(activate('EFATURA'));
    expect(f.code).to.equal(4703);
    const later = trTime(clock(), 2 * 3600_000);
    const [changed] = await client.ChangeActivationDateAsync({ service: `EARSIV@${later}` });
    expect(changed.service.code).to.equal(4);
    const earsiv = (await rows()).EARSIV!;
    const jobs = await gw.gateway.db('jobs').where('job_key', 'like', `activation.send:${earsiv.id}:%`);
    expect(jobs).to.have.length(1);
    expect(Date.parse(jobs[0].run_at)).to.equal(Date.parse(earsiv.activationAt!));
    expect(Date.parse(earsiv.activationAt!)).to.equal(Date.parse(`${later}+03:00`));
  });

  it('when its time has come (the clock moves two hours), e-Arşiv is sent and Aktif', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect((await rows()).EARSIV!.state).to.equal('AWAITING_SEND');
    offset += 2 * 3600_000 + 60_000;
    gw.gateway.worker.nudge();
    const earsiv = await until('e-Arşiv Aktif', async () => ((await rows()).EARSIV!.state === 'ACTIVE' ? (await rows()).EARSIV : undefined));
    expect(Date.parse(earsiv!.activationAt!)).to.be.greaterThan(Date.now() + 2 * 3600_000);
    await until('the e-Arşiv notice', async () => mailsTo('muhasebe@test-ticaret.com.tr').find((m) => m.subject === 'e-Arşiv hizmetiniz açıldı'), 10_000);
  });

  it('GİB down when a service is due: it stays GİB\'e Gönderimi Bekliyor, retried, and is Aktif once GİB is back', async () => {
    const r = await activate(`EIRSALIYE@${trTime(clock(), 30 * 60_000)}`);
    await submit(await signContract(Buffer.from(r.contract, 'base64'), seal));
    await relay.cut();
    offset += 31 * 60_000;
    gw.gateway.worker.nudge();
    await until('a failed send', async () => {
      const j = await gw.gateway.db('jobs').where({ task: 'envelope.send' }).whereNotNull('last_error').first();
      return j ?? undefined;
    });
    expect((await rows()).EIRSALIYE!.state).to.equal('AWAITING_SEND');
    await relay.restore();
    await until('e-İrsaliye Aktif', async () => ((await rows()).EIRSALIYE!.state === 'ACTIVE' ? true : undefined));
  });

  it('GİB\'s 1182 (no prior e-Fatura application): Hatalı with GİB\'s text, mailed; after applying, started again → Aktif', async () => {
    const other = await gw.createTenantUser(OTHER_VKN, 'other-user');
    await gw.gateway.services.tenants.setEmail(OTHER_VKN, 'bilgi@firma.com.tr');
    await orderedServices(gw.gateway, other.id, ['EFATURA']);
    const otherClient = await soapClient(gw, 'other-user');
    const otherSeal = await softSeal(dir, OTHER_VKN);
    try {
      const r = (await otherClient.ActivateServiceAsync({ service: ['EFATURA'] }))[0];
      // Another company cannot sign (or even see) this company's contract.
      expect((await expectFault(submit(await signContract(Buffer.from(r.contract, 'base64'), otherSeal)))).code).to.equal(4707);
      await otherClient.SubmitActivationContractAsync({ contract: b64(await signContract(Buffer.from(r.contract, 'base64'), otherSeal)) });
      const failed = await until('Hatalı', async () => {
        const row = (await serviceRows(gw.gateway, other.id)).EFATURA!;
        return row.state === 'ERROR' ? row : undefined;
      });
      expect(failed.context).to.deep.include({ gibCode: 1182 });
      expect(String(failed.context.gibDescription)).to.include("e-Fatura uygulamasına GİB'e başvuru yapılmamış");
      const listed = list((await otherClient.ListServicesAsync({}))[0].service)[0] as any;
      expect([listed.code, listed.description, listed.gibCode]).to.deep.equal([-1, 'Hatalı', 1182]);
      const mail = await until('the Hatalı notice', async () => mailsTo('bilgi@firma.com.tr').find((m) => m.subject === 'e-Fatura hizmeti açılamadı'));
      expect(mail.text).to.include("GİB'ten gelen yanıt: (1182)").and.include('başvuru yapılmamış');
      expect(sim.store.getUser(OTHER_VKN)).to.equal(undefined);

      sim.store.addApplication(OTHER_VKN);
      const again = (await otherClient.ActivateServiceAsync({ service: ['EFATURA'] }))[0];
      await otherClient.SubmitActivationContractAsync({ contract: b64(await signContract(Buffer.from(again.contract, 'base64'), otherSeal)) });
      await until('Aktif after the application', async () => ((await serviceRows(gw.gateway, other.id)).EFATURA!.state === 'ACTIVE' ? true : undefined));
    } finally {
      await otherSeal.close();
    }
  });

  it('closing e-Fatura: CancelUserAccount, İptal İşlemi GİB\'e Gönderim Bekliyor → İptal Bekliyor → İptal; GİB drops the aliases; mailed', async () => {
    const [r] = await client.CloseServiceAsync({ service: 'EFATURA' });
    expect([r.service.code, r.service.description]).to.deep.equal([6, "İptal İşlemi GİB'e Gönderim Bekliyor"]);
    const closed = await until('İptal', async () => ((await rows()).EFATURA!.state === 'CLOSED' ? (await rows()).EFATURA : undefined));
    const history = await gw.gateway.store.history('activation', closed!.id);
    expect(history.slice(-3).map((h) => h.code)).to.deep.equal([6, -2, -3]);
    expect(sim.store.getUser(TEST_VKN)?.aliases ?? []).to.deep.equal([]);
    const mail = await until('the closing notice', async () => mailsTo('muhasebe@test-ticaret.com.tr').find((m) => m.subject === 'e-Fatura hizmetiniz kapatıldı'));
    expect(mail.text).to.include('(1300)');
  });

  it('SendInvoice goes through an open service only: e-Fatura closed → 4711 with nothing stored; e-Arşiv (Aktif) is taken', async () => {
    const before = await gw.gateway.db('invoices').count({ n: '*' }).first();
    const closed = await expectFault(send(client, makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN })));
    expect([closed.code, closed.message]).to.deep.equal([4711, 'HİZMET AKTİF DEĞİL: e-Fatura (İptal)']);
    expect(await gw.gateway.db('invoices').count({ n: '*' }).first()).to.deep.equal(before);
    const taken = await send(client, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: '11111111111' }));
    expect(taken.state).to.equal('RECEIVED');
  });

  it('a wire-transfer order waits in Onay Bekliyor until the operator confirms it; the confirmation is mailed', async () => {
    const [r] = await client.OrderServicesAsync({ service: ['EDEFTER'], creditsKurus: 100_000, paymentMethod: 'WIRE' });
    expect(r.order.state).to.equal('PENDING');
    expect((await rows()).EDEFTER!.state).to.equal('ORDERED');
    expect((await expectFault(activate('EDEFTER'))).code).to.equal(4702);
    await gw.gateway.services.credits.confirmOrder(Number(r.order.id), 'operator:test');
    expect((await rows()).EDEFTER!.state).to.equal('AWAITING_ACTIVATION');
    const mail = await until('the wire notice', async () => mailsTo('muhasebe@test-ticaret.com.tr').find((m) => m.subject === 'Havale/EFT ödemeniz onaylandı'));
    expect(mail.text).to.include(`${r.order.id} numaralı siparişinizin`).and.include(`Vergi kimlik numarası: ${TEST_VKN}`).and.include('TL');
  });
});

interface Relay {
  port: number;
  /** Closes the listener and every connection: GİB unreachable (connection refused). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP relay from a loopback port to `targetPort`. */
async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const cut = async () => {
    for (const s of sockets) s.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  };
  return { port, cut, restore: () => listen(port), close: cut };
}
