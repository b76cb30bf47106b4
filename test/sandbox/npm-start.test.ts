/**
 * The gateway as `npm start` runs it (scripts/start.sh: `cli demo:init`, then src/server.ts) on its embedded defaults —
 * SQLite, the built-in GİB simulator, the development seal — with nothing configured but the data dir and the ports:
 * the demo user's e-Fatura reaches 1300, an e-Arşiv invoice reaches Başarılı and its cancellation is reported, each
 * within seconds (README: "How long each stage takes"); the built-in simulator refuses what GİB refuses, with the
 * gateway's GİB package, and follows it when `gib:package` installs another while invoices are being sent. SQLite
 * only: `npm start`'s default is the point.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import * as soap from 'soap';
import { randomUUID } from 'node:crypto';
import { createGibClient } from '../../src/gib/client';
import { buildEnvelope, type EnvelopeParty, type ParsedSystemResponse } from '../../src/gib/protocol';
import { createSigner, ensureDevelopmentSeal, signXml } from '../../src/signing';
import { createInvoiceValidator } from '../../src/validation';
import { makeInvoice } from '../helpers/invoices';
import { portalLogin } from '../helpers/portal';
import { GIB_DIR, UBL_XSD_DIR } from '../helpers/paths';
import { REPO_DIR, b64, freePorts, httpJson, serviceProcess, tempDir, waitForStatus, type ServiceProcess, type Status } from '../e2e/harness';

const run = promisify(execFile);

describe('npm start: the sandbox on its defaults', function () {
  this.timeout(120_000);
  let gw: ServiceProcess;
  let client: soap.Client;
  let dataDir: string;
  let env: Record<string, string>;
  let password: string;
  let simUrl: string;
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src/cli.ts'), ...args], { cwd: REPO_DIR, env: { ...process.env, ...env } });

  before(async function () {
    this.timeout(90_000);
    dataDir = tempDir('gw-sandbox-');
    const [port, simPort] = await freePorts(2);
    env = { GW_DATA_DIR: dataDir, GW_PORT: String(port), GW_SIMULATOR_PORT: String(simPort), GW_LOG_LEVEL: 'warn' };
    simUrl = `http://127.0.0.1:${simPort}/EFatura`;
    // What scripts/start.sh does on a first start beside GİB's package (as in CI): install it, then the demo.
    await cli('gib:package', GIB_DIR);
    await cli('demo:init');
    gw = serviceProcess({ name: 'npm-start', script: 'src/server.ts', port: port!, env, readyPath: '/health', readyTimeoutMs: 60_000 });
    await gw.start();
    password = /username: demo\npassword: (\S+)/.exec(fs.readFileSync(path.join(dataDir, 'demo-credentials.txt'), 'utf8'))![1]!;
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

  it('/health answers ok with the GİB package, as the README says', async () => {
    const health = (await httpJson('GET', `${gw.baseUrl}/health`)) as { status: string; gibPackage: { id: string; date: string; origin: string } };
    expect(health.status).to.equal('ok');
    expect(health.gibPackage).to.include({ date: '2026-03-12', origin: 'data' });
    expect(health.gibPackage.id).to.match(/^2026-03-12-[0-9a-f]{8}$/);
  });

  it('the web portal: demo logs in at /portal with the password from demo-credentials.txt, as the README says', async () => {
    const portal = await portalLogin(gw.baseUrl, 'demo', password);
    const outbox = await portal.get('/portal/e-fatura/giden');
    expect(outbox.status).to.equal(200);
    expect(outbox.text).to.include('VKN: 1234567801').and.include('Giden Kutusu');
  });

  it('an e-Fatura from demo to demo-alici reaches 1300 within seconds', async () => {
    const t0 = Date.now();
    const sent = await send(makeInvoice({ profile: 'TICARIFATURA', supplierVkn: '1234567801', customerVkn: '9876543210' }));
    const done = await waitForStatus(client, sent.ettn, '1300', (s) => s.state === 'DELIVERED', { timeoutMs: 20_000, everyMs: 100 });
    console.log(`      e-Fatura SendInvoice → 1300: ${seconds(Date.now() - t0)}`);
    // The history names the signer as the README and GW_SIGNER do: the development seal is `dev`.
    expect(done.history.find((h) => h.toState === 'SIGNED')?.reason).to.equal('mali mühür ile imzalandı (dev)');
  });

  describe('examples/', () => {
    const examples = path.join(REPO_DIR, 'examples');
    const invoices = fs.readdirSync(path.join(examples, 'invoices')).filter((f) => f.endsWith('.xml')).sort();
    const curl = (file: string): Promise<string> =>
      run('bash', [path.join(examples, 'curl', 'send-invoice.sh'), path.join(examples, 'invoices', file)], {
        env: { ...process.env, GW_URL: gw.baseUrl, GW_USER: 'demo', GW_PASSWORD: password },
        maxBuffer: 1 << 24,
      }).then((r) => r.stdout);

    it('every sample invoice passes GİB\'s XSD and schematron and the gateway\'s arithmetic, with no warning', async () => {
      expect(invoices).to.deep.equal(['earsiv-kisiye.xml', 'efatura-1000-satir.xml', 'efatura-iade.xml', 'efatura-temel.xml', 'efatura-ticari.xml']);
      const v = createInvoiceValidator({ xsdDir: UBL_XSD_DIR, schematronDir: path.join(GIB_DIR, 'e-fatura-paketi', 'schematron'), maxUnzippedBytes: 1 << 24 });
      for (const f of invoices) {
        const r = await v.validate(fs.readFileSync(path.join(examples, 'invoices', f)), { container: 'xml', numberWillBeAssigned: false, arithmetic: 'refuse' });
        expect(r.warnings, f).to.deep.equal([]);
      }
    });

    it('examples/curl/send-invoice.sh (bash, openssl, curl) sends each; the answer is the README\'s; each reaches its end state', async () => {
      const answers = new Map<string, string>();
      for (const f of invoices) answers.set(f, await curl(f));
      for (const [f, a] of answers) expect(a, f).to.match(/<tns:state>RECEIVED<\/tns:state>/);
      // The README shows the answer for the e-Arşiv sample: the same, times aside, white space between tags aside.
      const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
      const block = /The answer, as the gateway sends it[\s\S]*?```xml\n([\s\S]*?)```/.exec(readme)![1]!;
      const same = (x: string) =>
        x.replace(/>\s+</g, '><').trim().replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'T').replace(/(<tns:gibPackage>\d{4}-\d\d-\d\d-)[0-9a-f]{8}/, '$1…');
      expect(same(answers.get('earsiv-kisiye.xml')!)).to.equal(same(block));
      const ettn = (f: string) => /<tns:ettn>([^<]+)/.exec(answers.get(f)!)![1]!;
      await waitForStatus(client, ettn('earsiv-kisiye.xml'), 'Başarılı', (s) => s.state === 'SUCCESS', { timeoutMs: 30_000, everyMs: 200 });
      for (const f of invoices.filter((n) => n.startsWith('efatura-'))) {
        await waitForStatus(client, ettn(f), `1300 for ${f}`, (s) => s.state === 'DELIVERED', { timeoutMs: 30_000, everyMs: 200 });
      }
    });
  });

  describe('examples/: the Node, Python and PHP clients send, follow and cancel an e-Arşiv invoice', () => {
    const clients: Array<[string, string, string[]]> = [
      ['Node (node-soap)', process.execPath, ['examples/node/send-follow-cancel.mjs']],
      // Debian's python3 has python3-zeep; a pyenv python on PATH may not.
      ['Python (zeep)', '/usr/bin/python3', ['examples/python/send_follow_cancel.py']],
      ['PHP (SoapClient)', 'php', ['examples/php/send_follow_cancel.php']],
    ];
    for (const [name, program, args] of clients) {
      it(name, async () => {
        const { stdout } = await run(program, [...args, 'examples/invoices/earsiv-kisiye.xml'], {
          cwd: REPO_DIR,
          env: { ...process.env, GW_URL: gw.baseUrl, GW_USER: 'demo', GW_PASSWORD: password },
          timeout: 90_000,
        });
        expect(stdout).to.match(/^sent [0-9a-f-]{36} as EAR\d{13}$/m);
        expect(stdout).to.match(/^SUCCESS 1300 BASARILI \(Başarılı\)$/m);
        expect(stdout).to.match(/^CANCEL_REPORTED 1235 /m);
      });
    }
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

  describe('the built-in simulator checks as GİB does: the gateway\'s GİB package and the roots its seals chain to', () => {
    const DEMO: EnvelopeParty = { alias: 'urn:mail:defaultgb@1234567801.gateway.local', vknTckn: '1234567801', title: 'DEMO' };
    const BUYER: EnvelopeParty = { alias: 'urn:mail:defaultpk@9876543210.gateway.local', vknTckn: '9876543210', title: 'DEMO ALICI' };
    /** An invoice of the demo tenant, sealed with the seal the gateway made for it, sent straight to the simulator. */
    const seal = async (xml: string): Promise<Buffer> => {
      const signer = await createSigner(await ensureDevelopmentSeal(path.join(dataDir, 'dev-seals', DEMO.vknTckn), { vkn: DEMO.vknTckn, title: 'DEMO' }));
      try {
        return await signXml(Buffer.from(xml), signer);
      } finally {
        await signer.close();
      }
    };
    const verdictOf = async (invoice: Buffer): Promise<ParsedSystemResponse> => {
      const id = randomUUID();
      const gib = createGibClient({ url: simUrl, timeoutMs: 10_000 });
      await gib.sendDocument(buildEnvelope({ id, type: 'SENDERENVELOPE', createdAt: new Date(), sender: DEMO, receiver: BUYER, elementType: 'INVOICE', elements: [invoice] }), id);
      const until = Date.now() + 20_000;
      for (;;) {
        const sr = await gib.getApplicationResponse(id);
        if (sr && sr.code !== 1000 && sr.code !== 1100) return sr;
        if (Date.now() > until) throw new Error(`envelope ${id}: still ${sr?.code}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const invoice = () => makeInvoice({ profile: 'TICARIFATURA', supplierVkn: DEMO.vknTckn, customerVkn: BUYER.vknTckn });

    it('a schematron failure is 1150, an unknown element 1160 and a tampered seal 1177, each with GİB\'s text', async () => {
      const schematron = await verdictOf(await seal(invoice().replace(/unitCode="C62"/g, 'unitCode="ADET"')));
      expect(schematron.code).to.equal(1150);
      expect(schematron.description).to.match(/^SCHEMATRON KONTROL SONUCU HATALI: .*InvoicedQuantity/);
      const xsd = await verdictOf(await seal(invoice().replace(/(<\/cbc:IssueDate>)/, '$1<cbc:Foo/>')));
      expect(xsd.code).to.equal(1160);
      expect(xsd.description).to.match(/^XML SEMA KONTROLUNDEN GECEMEDI: .*Foo/);
      const tampered = (await seal(invoice())).toString('utf8').replace('Papatya Caddesi', 'Lale Caddesi');
      const signature = await verdictOf(Buffer.from(tampered));
      expect(signature.code).to.equal(1177);
      expect(signature.description).to.match(/^GEÇERSİZ İMZA/);
      // The same invoice, untouched, passes: the refusals above are the checks', not the envelope's.
      expect((await verdictOf(await seal(invoice()))).code).to.be.oneOf([1200, 1210, 1220, 1300]);
    });

    it('gib:package while invoices are being sent: the gateway and the simulator switch to the new package without a restart, and no request fails', async function () {
      this.timeout(180_000);
      type Health = { gibPackage: { id: string; date: string } };
      const health = async () => ((await httpJson('GET', `${gw.baseUrl}/health`)) as Health).gibPackage;
      const before = (await health()).id;
      const withAdet = () => makeInvoice({ profile: 'TICARIFATURA', supplierVkn: DEMO.vknTckn, customerVkn: BUYER.vknTckn }).replace(/unitCode="C62"/g, 'unitCode="ADET"');
      const refused = await send(withAdet()).then(() => null, (err: { body?: string }) => String(err.body ?? err));
      expect(refused).to.match(/SCHEMATRON KONTROL SONUCU HATALI/);

      // A later package: GİB's, with ADET among the unit codes and a change-log entry of its own.
      const next = tempDir('gw-next-package-');
      fs.cpSync(GIB_DIR, next, { recursive: true });
      const schematronDir = path.join(next, 'e-fatura-paketi', 'schematron');
      const codelist = path.join(schematronDir, 'UBL-TR_Codelist.xml');
      fs.writeFileSync(codelist, fs.readFileSync(codelist, 'utf8').replace(`name="UnitCodeList" value ="',`, `name="UnitCodeList" value ="',ADET,`));
      fs.appendFileSync(path.join(schematronDir, 'History.txt'), '\r\n20261205\r\n--------\r\n1) UnitCodeList: ADET eklendi.\r\n', 'latin1');

      // Four clients keep SendInvoice busy while the CLI installs the package and the gateway picks it up.
      const answers: string[] = [];
      const failures: string[] = [];
      let sending = true;
      const sender = async () => {
        while (sending) {
          await send(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: DEMO.vknTckn, customerVkn: '11111111111' })).then(
            (r) => answers.push(r.gibPackage!),
            (err: { body?: string }) => failures.push(String(err.body ?? err).slice(0, 300)),
          );
        }
      };
      const senders = [0, 1, 2, 3].map(sender);
      try {
        await cli('gib:package', next);
        const until = Date.now() + 30_000;
        while ((await health()).id === before && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
        const switchedAt = answers.length;
        while (answers.length < switchedAt + 8 && failures.length === 0) await new Promise((r) => setTimeout(r, 20));
      } finally {
        sending = false;
        await Promise.all(senders);
        fs.rmSync(next, { recursive: true, force: true });
      }
      const after = await health();
      console.log(`      ${answers.length} SendInvoice calls during the switch, ${failures.length} failed; ${before} → ${after.id}`);
      expect(failures).to.deep.equal([]);
      expect(after.date).to.equal('2026-12-05');
      expect([...new Set(answers)].sort()).to.deep.equal([before, after.id].sort());
      expect(answers.at(-1)).to.equal(after.id);

      // Both accept ADET now: the gateway takes the invoice, and the simulator (GİB) delivers it — 1300, not 1150.
      const sent = await send(withAdet());
      expect(sent.gibPackage).to.equal(after.id);
      await waitForStatus(client, sent.ettn, '1300', (s) => s.state === 'DELIVERED', { timeoutMs: 30_000, everyMs: 200 });
    });
  });
});
