/**
 * GİB's e-Arşiv service in the simulator (src/simulator/earsiv.ts), driven over real HTTP on loopback by the
 * gateway's e-Arşiv client (src/gib/earsiv-client.ts) and, for packages the client would never build, by raw SOAP
 * requests built with the codec. The main simulator runs with GİB's package (EArsiv.xsd checked by libxml2) and a
 * trusted root (signatures verified); reports are signed with a software seal of the integrator.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { expect } from 'chai';
import yazl from 'yazl';
import { createEarsivClient, packReport, type EarsivClient } from '../../src/gib/earsiv-client';
import { GibCallError } from '../../src/gib/client-errors';
import {
  EARSIV_REPORT_SIGNATURE_PLACEMENT,
  buildEarsivReport,
  buildGetBatchStatusRequest,
  buildSendDocumentFileRequest,
  earsivContentType,
  parseEarsivSoapMessage,
  type EarsivOperation,
  type EarsivReportCancellation,
  type EarsivReportInvoice,
  type EarsivSoapMessage,
} from '../../src/gib/protocol';
import { signXml } from '../../src/signing/xades';
import { createSimulator, type Simulator } from '../../src/simulator';
import { testSeal, type TestSeal } from '../gib/helpers';
import { GIB_DIR } from '../helpers/paths';

const INTEGRATOR = '1234567890';
const TAXPAYER = '9205121120';
const OTHER_TAXPAYER = '9205121121';

let seq = 0;
/** A fresh invoice number of the ABC series (16 characters, EArsiv.xsd idType). */
function nextNumber(): string {
  seq++;
  return `ABC2024${String(100000 + seq).padStart(9, '0')}`;
}

function invoice(o: Partial<EarsivReportInvoice> = {}): EarsivReportInvoice {
  const number = o.number ?? nextNumber();
  return {
    ettn: randomUUID(),
    number,
    type: 'SATIS',
    sendingType: 'ELEKTRONIK',
    fileName: `${number}.xml`,
    digest: 'q1w2e3r4t5y6u7i8o9p0',
    issueDate: '2024-03-05',
    issueTime: '09:15:00',
    total: '1000.00',
    discount: '0',
    payable: '1200.00',
    currency: 'TRY',
    exchangeRate: '0',
    url: '',
    taxTotal: '200.00',
    taxes: [{ base: '1000.00', code: '0015', amount: '200.00', percent: '20' }],
    receiver: { vknTckn: '12345678901', name: 'Ayşe Yılmaz' },
    signedAt: '2024-03-05T09:15:02',
    ...o,
  };
}

interface ReportOptions {
  invoices?: EarsivReportInvoice[];
  cancellations?: EarsivReportCancellation[];
  day?: string;
  taxpayer?: string;
  reportId?: string;
  /** null: unsigned. */
  seal?: TestSeal | null;
}

describe('GİB simulator: e-Arşiv service', function () {
  this.timeout(20_000);
  let integrator: TestSeal;
  let stranger: TestSeal;
  let untrusted: TestSeal;
  let sim: Simulator;
  let client: EarsivClient;

  async function report(o: ReportOptions = {}): Promise<{ id: string; xml: Buffer }> {
    const id = o.reportId ?? randomUUID();
    const day = o.day ?? '2024-03-05';
    const unsigned = buildEarsivReport({
      taxpayer: o.taxpayer ?? TAXPAYER,
      integrator: INTEGRATOR,
      reportId: id,
      period: { start: day, end: day },
      invoices: o.invoices ?? [],
      ...(o.cancellations ? { cancellations: o.cancellations } : {}),
    });
    const seal = o.seal === undefined ? integrator : o.seal;
    return { id, xml: seal ? await signXml(unsigned, seal.signer, { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT }) : unsigned };
  }

  /** getBatchStatus until the report has a verdict. */
  async function verdict(paketId: string, c: EarsivClient = client) {
    const until = Date.now() + 5000;
    for (;;) {
      const s = await c.getReportStatus(paketId);
      if (s.outcome !== 'pending' || Date.now() > until) return s;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function sendAndWait(r: { id: string; xml: Buffer }, c: EarsivClient = client) {
    const sent = await c.sendReport(r.xml, r.id);
    expect(sent).to.deep.equal({ paketId: r.id, duplicate: false });
    return verdict(sent.paketId, c);
  }

  async function rejection(p: Promise<unknown>): Promise<GibCallError> {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(GibCallError);
      return err as GibCallError;
    }
    throw new Error('expected the call to fail');
  }

  /** A raw SOAP call (no keep-alive socket left behind). */
  function post(url: string, op: EarsivOperation, body: Buffer): Promise<{ status: number; msg: EarsivSoapMessage }> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': earsivContentType(op), 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, msg: parseEarsivSoapMessage(Buffer.concat(chunks)) });
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async function zipOf(entries: Array<[string, Buffer]>, compress = true): Promise<Buffer> {
    const z = new yazl.ZipFile();
    for (const [name, bytes] of entries) z.addBuffer(bytes, name, { mtime: new Date(1980, 0, 1), compress });
    z.end();
    const chunks: Buffer[] = [];
    for await (const c of z.outputStream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async function sendRaw(fileName: string, zip: Buffer) {
    return post(sim.earsivUrl, 'sendDocumentFile', buildSendDocumentFileRequest({ fileName, binaryData: zip }));
  }

  before(async () => {
    [integrator, stranger, untrusted] = await Promise.all([testSeal(INTEGRATOR, 'Entegratör A.Ş.'), testSeal('5555555555', 'Başka A.Ş.'), testSeal(INTEGRATOR, 'Sahte Kök')]);
    sim = createSimulator({
      gibDir: GIB_DIR,
      trustedRoots: [integrator.ca.certPem, stranger.ca.certPem],
      timings: { reportMs: 5 },
      faults: { holdMs: 3000 },
    });
    await sim.start(0);
    client = createEarsivClient({ url: sim.earsivUrl, timeoutMs: 3000 });
  });
  after(async () => {
    await sim?.stop();
    await Promise.all([integrator, stranger, untrusted].map((s) => s?.signer.close()));
  });

  it('a signed report is taken at once (pending), then accepted: getBatchStatus 1300 and the admin views show it', async () => {
    const r = await report({ invoices: [invoice(), invoice()] });
    sim.timings.reportMs = 300; // long enough to see the report waiting
    let first;
    try {
      const sent = await client.sendReport(r.xml, r.id);
      expect(sent).to.deep.equal({ paketId: r.id, duplicate: false });
      first = await client.getReportStatus(r.id);
    } finally {
      sim.timings.reportMs = 5;
    }
    expect(first).to.deep.equal({ outcome: 'pending', code: 1000, description: 'ZARF KUYRUGA EKLENDI' });

    const s = await verdict(r.id);
    expect(s).to.deep.equal({ outcome: 'accepted', code: 1300, description: 'BASARIYLA TAMAMLANDI' });

    const list = (await (await fetch(`${sim.earsivUrl.replace(/\/EArsiv$/, '')}/admin/earsiv/reports`)).json()) as Array<Record<string, unknown>>;
    const mine = list.find((x) => x.paketId === r.id)!;
    expect(mine).to.deep.include({ state: 1300, outcome: 'accepted', taxpayer: TAXPAYER, integrator: INTEGRATOR, signerId: INTEGRATOR, attempt: 1 });
    expect(mine).to.not.have.property('zip');
    expect(mine).to.not.have.property('xml');
    expect((mine.history as Array<{ code: number }>).map((h) => h.code)).to.deep.equal([1000, 1100, 1300]);
    const one = await fetch(`${sim.earsivUrl.replace(/\/EArsiv$/, '')}/admin/earsiv/reports/${r.id.toUpperCase()}`);
    expect(one.status).to.equal(200);
    expect(((await one.json()) as { uploads: unknown[] }).uploads).to.have.length(1);
    expect((await fetch(`${sim.earsivUrl.replace(/\/EArsiv$/, '')}/admin/earsiv/reports/${randomUUID()}`)).status).to.equal(404);
  });

  it('an ETTN or an invoice number already reported by an accepted report of the same taxpayer is refused, with the reason', async () => {
    const a = invoice();
    expect((await sendAndWait(await report({ invoices: [a] }))).outcome).to.equal('accepted');

    const sameEttn = await sendAndWait(await report({ invoices: [invoice({ ettn: a.ettn.toUpperCase() })] }));
    expect(sameEttn).to.deep.include({ outcome: 'rejected', code: 1163 });
    expect(sameEttn.description).to.contain('GONDERILEN ZARF SISTEMDE DAHA ONCE KAYITLI OLAN BIR FATURAYI ICERMEKTEDIR.').and.contain(a.ettn.toUpperCase());

    const sameNumber = await sendAndWait(await report({ invoices: [invoice({ number: a.number })] }));
    expect(sameNumber).to.deep.include({ outcome: 'rejected', code: 1163 });
    expect(sameNumber.description).to.contain(`fatura numarası ${a.number}`);

    // Another taxpayer's series is its own.
    expect((await sendAndWait(await report({ taxpayer: OTHER_TAXPAYER, invoices: [invoice({ number: a.number })] }))).outcome).to.equal('accepted');
  });

  it('GİB\'s report schematron (earsiv_schematron.xsl): a YTB invoice without ytbBilgileri is refused 1150 in GİB\'s words', async () => {
    const id = randomUUID();
    const unsigned = buildEarsivReport({ taxpayer: TAXPAYER, integrator: INTEGRATOR, reportId: id, period: { start: '2024-03-05', end: '2024-03-05' },
      invoices: [invoice({ type: 'YTBSATIS', ytb: { number: '123456', date: '2023-12-01' } })] });
    const withoutYtb = Buffer.from(unsigned.toString('utf8').replace(/<earsiv:ytbBilgileri>.*?<\/earsiv:ytbBilgileri>/, ''));
    const r = await sendAndWait({ id, xml: await signXml(withoutYtb, integrator.signer, { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT }) });
    expect(r).to.deep.include({ outcome: 'rejected', code: 1150 });
    expect(r.description).to.contain("Fatura tipi YTBSATIS, YTBISTISNA veya YTBIADE olduğunda 'ytbBilgileri' alanının bulunması zorunludur.");
  });

  it('a rejected report does not count: its invoices may be reported again', async () => {
    const a = invoice();
    const set = await fetch(`${sim.earsivUrl.replace(/\/EArsiv$/, '')}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rejectReports: 1 }) });
    expect(((await set.json()) as { rejectReports: number }).rejectReports).to.equal(1);
    const rejected = await sendAndWait(await report({ invoices: [a] }));
    expect(rejected).to.deep.include({ outcome: 'rejected', code: 1150 });
    expect(rejected.description).to.contain('rejectReports');
    expect((await sendAndWait(await report({ invoices: [a] }))).outcome).to.equal('accepted');
  });

  it('cancelling an invoice reported earlier is accepted once; a second cancellation, or reusing its number, is not', async () => {
    const a = invoice();
    expect((await sendAndWait(await report({ invoices: [a] }))).outcome).to.equal('accepted');
    const cancel = { number: a.number, cancelledOn: '2024-03-06', amount: '1200.00' };
    expect((await sendAndWait(await report({ day: '2024-03-06', cancellations: [cancel] }))).outcome).to.equal('accepted');

    const again = await sendAndWait(await report({ day: '2024-03-07', cancellations: [{ ...cancel, cancelledOn: '2024-03-07' }] }));
    expect(again).to.deep.include({ outcome: 'rejected', code: 1163 });
    expect(again.description).to.contain(`${a.number} numaralı faturanın iptali`);

    const reuse = await sendAndWait(await report({ day: '2024-03-07', invoices: [invoice({ number: a.number, issueDate: '2024-03-07' })] }));
    expect(reuse).to.deep.include({ outcome: 'rejected', code: 1163 });
  });

  it('an unsigned report is rejected (EArsiv.xsd requires baslik/ds:Signature); without GİB’s package, as 1161', async () => {
    const unsigned = await report({ invoices: [invoice()], seal: null });
    const s = await sendAndWait(unsigned);
    expect(s).to.deep.include({ outcome: 'rejected', code: 1160 });
    expect(s.description).to.contain('Signature');

    const bare = createSimulator({ timings: { reportMs: 1 } });
    await bare.start(0);
    try {
      const c = createEarsivClient({ url: bare.earsivUrl, timeoutMs: 2000 });
      const u = await sendAndWait(await report({ invoices: [invoice()], seal: null }), c);
      expect(u).to.deep.include({ outcome: 'rejected', code: 1161 });
      // presence is all it checks without trusted roots: the stranger's signature passes
      expect((await sendAndWait(await report({ invoices: [invoice()], seal: stranger }), c)).outcome).to.equal('accepted');
      // the codec-level schema checks stand in for EArsiv.xsd
      const dup = invoice();
      const twice = await report({ invoices: [dup] });
      const xml = Buffer.from(twice.xml.toString('utf8').replace('</earsiv:fatura>', `</earsiv:fatura><earsiv:fatura>${/<earsiv:fatura>([\s\S]*?)<\/earsiv:fatura>/.exec(twice.xml.toString('utf8'))![1]!.replace(dup.ettn, randomUUID())}</earsiv:fatura>`));
      const t = await sendAndWait({ id: twice.id, xml }, c);
      expect(t).to.deep.include({ outcome: 'rejected', code: 1160 });
      expect(t.description).to.contain('xs:unique faturaNo');
    } finally {
      await bare.stop();
    }
  });

  it('signatures: a trusted signer that is neither preparer nor taxpayer is 1176; an untrusted root or a changed byte 1177', async () => {
    const s1 = await sendAndWait(await report({ invoices: [invoice()], seal: stranger }));
    expect(s1).to.deep.include({ outcome: 'rejected', code: 1176 });
    expect(s1.description).to.contain('5555555555');

    const s2 = await sendAndWait(await report({ invoices: [invoice()], seal: untrusted }));
    expect(s2).to.deep.include({ outcome: 'rejected', code: 1177 });

    const r = await report({ invoices: [invoice({ total: '1000.00' })] });
    const tampered = Buffer.from(r.xml.toString('utf8').replace('<earsiv:toplamTutar>1000.00<', '<earsiv:toplamTutar>1000.01<'));
    expect(tampered.equals(r.xml)).to.equal(false);
    expect(await sendAndWait({ id: r.id, xml: tampered })).to.deep.include({ outcome: 'rejected', code: 1177 });
  });

  it('the report must be the package: raporNo other than the file name is 1142', async () => {
    const r = await report({ invoices: [invoice()] });
    const other = randomUUID();
    const zip = await zipOf([[`${other}.xml`, r.xml]]);
    const a = await sendRaw(`${other}.zip`, zip);
    expect(a.msg).to.deep.equal({ kind: 'sendDocumentFileResponse', result: other });
    expect(await verdict(other)).to.deep.include({ outcome: 'rejected', code: 1142 });
  });

  it('package checks answer at once with an EArsivFault: file name, ZIP integrity (CRC), one file, no path, entry name', async () => {
    const r = await report({ invoices: [invoice()] });
    const good = await packReport(r.xml, r.id);
    const fault = async (fileName: string, zip: Buffer) => {
      const a = await sendRaw(fileName, zip);
      expect(a.msg.kind).to.equal('fault');
      return { status: a.status, ...(a.msg as Extract<EarsivSoapMessage, { kind: 'fault' }>) };
    };

    expect(await fault('rapor.zip', good.zip)).to.deep.include({ status: 400, code: 108, soapCode: 'soap:Sender' });
    expect(await fault(`../${r.id}.zip`, good.zip)).to.deep.include({ code: 108 });
    expect(await fault('', good.zip)).to.deep.include({ code: 104 });
    expect(await fault(good.fileName, Buffer.alloc(0))).to.deep.include({ code: 105 });
    expect(await fault(good.fileName, r.xml)).to.deep.include({ code: 1110, message: 'ZIP DOSYASI DEGIL' });

    // The attachment has no hash (EArsivWs.wsdl); a changed byte is caught by the entry's CRC-32.
    const stored = await zipOf([[`${r.id}.xml`, r.xml]], false);
    const corrupt = Buffer.from(stored);
    const at = corrupt.indexOf('earsiv:baslik');
    corrupt[at] = corrupt[at]! ^ 0x01;
    expect(await fault(good.fileName, corrupt)).to.deep.include({ code: 1130 });

    expect(await fault(good.fileName, await zipOf([[`${r.id}.xml`, r.xml], ['ek.xml', r.xml]]))).to.deep.include({ code: 1131, message: 'ZIP BIR DOSYA ICERMELI' });
    // `../<id>.xml`: yazl refuses to write it, so the same-length name `ab/<id>.xml` is patched in place.
    const traversal = await zipOf([[`ab/${r.id}.xml`, r.xml]]);
    let i = -1;
    while ((i = traversal.indexOf(`ab/${r.id}`, i + 1, 'latin1')) !== -1) traversal.write('../', i, 'latin1');
    expect(await fault(good.fileName, traversal)).to.deep.include({ code: 1133 });
    expect(await fault(good.fileName, await zipOf([[`${randomUUID()}.xml`, r.xml]]))).to.deep.include({ code: 1133 });
    expect(await fault(good.fileName, await zipOf([[`${r.id}.txt`, r.xml]]))).to.deep.include({ code: 1132 });

    // Nothing of these was taken in.
    expect(sim.store.earsivReports.some((x) => x.paketId === r.id)).to.equal(false);
    const err = await rejection(client.getReportStatus(r.id));
    expect(err).to.deep.include({ gibCode: 304, kind: 'rejected', failure: 'fault', service: 'earsiv' });
  });

  it('the same package again is 111 while pending or accepted — the client calls it a duplicate delivery', async () => {
    const r = await report({ invoices: [invoice()] });
    await sendAndWait(r);
    const raw = await sendRaw(`${r.id}.zip`, (await packReport(r.xml, r.id)).zip);
    expect(raw.msg).to.deep.include({ kind: 'fault', code: 111, message: `Paket sisteme daha önce yüklenmiş. ${r.id}` });
    expect(await client.sendReport(r.xml, r.id)).to.deep.equal({ paketId: r.id, duplicate: true });
  });

  it('a package rejected may be sent again; getBatchStatus reports the latest upload', async () => {
    const r = await report({ invoices: [invoice()] });
    sim.faults.rejectReports = 1;
    expect((await sendAndWait(r)).outcome).to.equal('rejected');
    expect((await sendAndWait(r)).outcome).to.equal('accepted');
    const view = (await (await fetch(`${sim.earsivUrl.replace(/\/EArsiv$/, '')}/admin/earsiv/reports/${r.id}`)).json()) as { attempt: number; uploads: Array<{ state: number }> };
    expect(view.attempt).to.equal(2);
    expect(view.uploads.map((u) => u.state)).to.deep.equal([1150, 1300]);
  });

  it('an unknown package ID is the EArsivFault 304 (not retryable); an empty one too', async () => {
    const err = await rejection(client.getReportStatus(randomUUID()));
    expect(err).to.deep.include({ gibCode: 304, kind: 'rejected', httpStatus: 400 });
    expect(err.message).to.contain('Paket bulunamamıştır.');
    const raw = await post(sim.earsivUrl, 'getBatchStatus', buildGetBatchStatusRequest(''));
    expect(raw.msg).to.deep.include({ kind: 'fault', code: 304 });
  });

  it('getUserList returns the users added through /admin/users, GB and PK aliases merged per VKN', async () => {
    const base = sim.earsivUrl.replace(/\/EArsiv$/, '');
    const res = await fetch(`${base}/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { vknTckn: '1111111111', title: 'BİR A.Ş.', aliases: [{ alias: 'urn:mail:defaultgb@bir.com.tr', role: 'GB' }, { alias: 'urn:mail:defaultpk@bir.com.tr', role: 'PK' }] },
        { vknTckn: '22222222222', title: 'Ayşe Yılmaz', aliases: [{ alias: 'urn:mail:defaultpk@ayse.com.tr', role: 'PK' }] },
      ]),
    });
    expect(res.status).to.equal(201);
    const users = await client.getUserList();
    const one = users.find((u) => u.vknTckn === '1111111111')!;
    expect(one).to.deep.include({ title: 'BİR A.Ş.', type: 'OZEL', accountType: 'OZELENTEGRASYON' });
    expect(one.aliases.map((a) => [a.alias, a.role, a.documentType])).to.deep.equal([
      ['urn:mail:defaultgb@bir.com.tr', 'GB', 'Invoice'],
      ['urn:mail:defaultpk@bir.com.tr', 'PK', 'Invoice'],
    ]);
    expect(one.aliases[0]!.creationTime).to.match(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$/);
    expect(one.firstCreationTime).to.equal(one.aliases[0]!.creationTime);
    const two = users.find((u) => u.vknTckn === '22222222222')!;
    expect(two.aliases.map((a) => a.role)).to.deep.equal(['PK']);

    // Removing an alias (DELETE /admin/users/:vkn?alias=) shows in the next list.
    expect((await fetch(`${base}/admin/users/1111111111?alias=${encodeURIComponent('urn:mail:defaultgb@bir.com.tr')}`, { method: 'DELETE' })).status).to.equal(204);
    const after = (await client.getUserList()).find((u) => u.vknTckn === '1111111111')!;
    expect(after.aliases.map((a) => a.role)).to.deep.equal(['PK']);
  });

  it('getUserList with another type than GB/PK is the EArsivFault 400', async () => {
    const a = await post(sim.earsivUrl, 'getUserList', Buffer.from(
      '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><ea:getUserList xmlns:ea="http://earsiv.vedop3.ggm.gov.org/"><type>XYZ</type></ea:getUserList></soap:Body></soap:Envelope>',
    ));
    expect(a.status).to.equal(400);
    expect(a.msg).to.deep.include({ kind: 'fault', code: 400 });
  });

  it('no answer in time: timeout, retryable; when GİB did take the report, the resend is a duplicate', async () => {
    const quick = createEarsivClient({ url: sim.earsivUrl, timeoutMs: 150 });
    const r = await report({ invoices: [invoice()] });
    Object.assign(sim.faults, { earsivTimeouts: 1, acceptHeld: true });
    const started = Date.now();
    const err = await rejection(quick.sendReport(r.xml, r.id));
    expect(Date.now() - started).to.be.below(1500);
    expect(err).to.deep.include({ gibCode: null, kind: 'retryable', failure: 'timeout', service: 'earsiv' });
    expect(await quick.sendReport(r.xml, r.id)).to.deep.equal({ paketId: r.id, duplicate: true });

    sim.faults.acceptHeld = false;
    const r2 = await report({ invoices: [invoice()] });
    sim.faults.earsivTimeouts = 1;
    expect((await rejection(quick.sendReport(r2.xml, r2.id))).retryable).to.equal(true);
    expect(sim.store.earsivReports.some((x) => x.paketId === r2.id)).to.equal(false);
    expect(await quick.sendReport(r2.xml, r2.id)).to.deep.equal({ paketId: r2.id, duplicate: false });

    sim.faults.earsivTimeouts = 1;
    expect(await rejection(quick.getReportStatus(r2.id))).to.deep.include({ failure: 'timeout', kind: 'retryable' });
    sim.faults.earsivTimeouts = 1;
    expect(await rejection(quick.getUserList())).to.deep.include({ failure: 'timeout', kind: 'retryable' });
    sim.faults.earsivTimeouts = 0;
  });

  it('serves GİB’s WSDL with its own address on ?wsdl', async () => {
    const res = await fetch(`${sim.earsivUrl}?wsdl`);
    expect(res.status).to.equal(200);
    const wsdl = await res.text();
    expect(wsdl).to.contain(`<soap12:address location="${sim.earsivUrl}"/>`).and.contain('name="EArsivWsService"');
    expect((await fetch(sim.earsivUrl)).status).to.equal(404);
  });

  it('a request that is no SOAP gets a plain SOAP fault (no EArsivFault)', async () => {
    const a = await post(sim.earsivUrl, 'sendDocumentFile', Buffer.from('<hello/>'));
    expect(a.status).to.equal(400);
    expect(a.msg).to.deep.include({ kind: 'fault', soapCode: 'soap:Sender' });
    expect(a.msg).to.not.have.property('code');
  });

  it('a report whose raporNo is not the ID given is our bug, refused before any call', async () => {
    const r = await report({ invoices: [invoice()] });
    let thrown: unknown;
    try {
      await client.sendReport(r.xml, randomUUID());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(Error).and.not.be.instanceOf(GibCallError);
    expect(sim.store.earsivReports.some((x) => x.paketId === r.id)).to.equal(false);
  });
});
