/**
 * e-Defter at GİB (issue 12): "e-Defter Yükle" goes on from Berat İmzala to GİB's e-Defter web service in the
 * simulator (over HTTP, WS-Security with the tenant's seal on a SoftHSM token): the Yevmiye's package first, the
 * Büyük Defter's once GİB approved it, GİB's verdicts asked for, and the approved berats downloaded and checked
 * (GİB's countersignature, our own signature still whole). Then GİB's rules at its door (order, duplicates,
 * permissions), a send whose answer is lost (sent once), and a package GİB refuses.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { createEdefterClient } from '../../src/gib/edefter-client';
import { isGibCallError } from '../../src/gib/client-errors';
import { verifyApprovedBerat } from '../../src/gib/protocol/edefter-approval';
import { edefterRequest } from '../../src/gib/protocol/edefter-ws';
import { certificatesFrom } from '../../src/signing/cert';
import { createSimulator, type Simulator } from '../../src/simulator';
import { unpackDocument } from '../../src/zip/read';
import { zipFiles, zipOne } from '../../src/zip/write';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { expectFault, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { GIB_DIR, REPO_DIR } from '../helpers/paths';
import { testRootCa } from '../helpers/softhsm';
import { xmlsecVerify } from '../signing/fixtures';
import { startLocalTsa, type LocalTsa } from '../helpers/tsa';
import { C14N, canonicalBytes } from '../../src/xml/c14n';
import { NS } from '../../src/xml/namespaces';
import { parseXml } from '../../src/xml/parse';
import { firstChild } from '../../src/xml/query';
import { generatedJournal, journalCsv, sampleMonth } from '../helpers/edefter';
import { softSeal, startGibWorld, until } from '../helpers/ledger-world';

const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));

describe(`e-Defter at GİB: sent, approved and downloaded through the simulator's e-Defter service (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let sim: Simulator;
  let gw: TestGateway;
  let client: soap.Client;
  let tsa: LocalTsa;
  let simPackage: string | null = GIB_DIR;
  const dir = tempDir('gw-ledger-gib-');

  const month = async (period: string) => [(await client.GetLedgerStatusAsync({ from: period, to: period }))[0].month].flat()[0];
  const states = async (period: string) => (await month(period)).ledgerBook.map((b: { state: string }) => b.state) as string[];
  const uploadMonth = async (period: string, csv: Buffer) => {
    const ym = period.replace('-', '');
    await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-${ym}.zip`, content: (await zipOne(`${TEST_VKN}-${ym}.csv`, csv)).toString('base64') });
  };
  const packages = async (vkn = TEST_VKN) => (await (await fetch(`${sim.edefterUrl.replace('/EDefter', '')}/admin/edefter/packages?vkn=${vkn}`)).json()) as Array<{ paketId: string; state: number; attempt: number; reason: string }>;

  before(async () => {
    // GİB's package (edefter.xsd) for the first month only: libxml2 compiles GİB's schema set for every document it
    // checks (≈ 0.85 s each, in this process); the months after it test other things.
    sim = createSimulator({ timings: { ledgerMs: 20 }, gibDir: () => simPackage, trustedRoots: [testRootCa().certPem] });
    tsa = await startLocalTsa();
    ({ gw, client } = await startGibWorld(dir, sim, { GW_LEDGER_TSA_URL: tsa.url, GW_WORKER_BACKOFF_MS: '100', GW_GIB_TIMEOUT_MS: '400' }));
  });
  after(async () => {
    await gw?.gateway.signers.close();
    await gw?.close();
    await sim?.stop();
    await tsa?.stop();
  });

  it('e-Defter Yükle: the Yevmiye is approved before the Büyük Defter is sent; both approved berats are downloaded, GİB-sealed over our berats', async () => {
    await uploadMonth('2026-01', SAMPLE);
    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    await until('both books downloaded', async () => ((await states('2026-01')).every((s) => s === 'DOWNLOADED') ? true : undefined)).catch(async (err) => {
      throw new Error(`${err}: ${JSON.stringify({ m: await month('2026-01'), jobs: await gw.testDb.db('jobs').select('task', 'last_error', 'attempts', 'failed_at', 'payload') })}`);
    });
    const m = await month('2026-01');
    expect(m).to.include({ yevmiye: true, kebir: true, yevmiyeBerat: true, kebirBerat: true, gibYevmiyeBerat: true, gibKebirBerat: true, defterRapor: true });
    expect(m.ledgerBook.map((b: { description: string; code: number }) => [b.description, b.code])).to.deep.equal([['Onaylı Berat İndirildi', 170], ['Onaylı Berat İndirildi', 170]]);

    // GİB saw one package per book, the Yevmiye's first, and approved both; then the month's Defter Raporu.
    expect((await packages()).map((p) => [p.paketId, p.state, p.attempt])).to.deep.equal([[`${TEST_VKN}-202601-YB-000000`, 1, 1], [`${TEST_VKN}-202601-KB-000000`, 1, 1], [`${TEST_VKN}-202601-DR-000000`, 1, 1]]);
    const db = gw.testDb.db;
    const [y, k] = await Promise.all(['Y', 'K'].map((book) => db('ledger_books').where({ tenant_id: gw.tenant.id, period: '2026-01', book }).first()));
    const events = async (id: number) => (await db('state_history').where({ machine: 'ledger-book', entity_id: id }).orderBy('id')).map((r: { event: string; actor: string }) => `${r.event}:${r.actor}`);
    expect((await events(y.id)).slice(-3)).to.deep.equal(['SEND:worker', 'APPROVE:gib', 'DOWNLOAD:worker']);
    const yApproved = await db('state_history').where({ machine: 'ledger-book', entity_id: y.id, event: 'APPROVE' }).first('id');
    const kSent = await db('state_history').where({ machine: 'ledger-book', entity_id: k.id, event: 'SEND' }).first('id');
    expect(Number(kSent.id)).to.be.greaterThan(Number(yApproved.id));

    const root = certificatesFrom(await sim.gibSealRoot());
    for (const kind of ['Y', 'K']) {
      const name = `GIB-${TEST_VKN}-202601-${kind}B-000000.xml`;
      const [res] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: name });
      const { xml } = await unpackDocument(Buffer.from(res.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 50 << 20 });
      // GİB's approval covers the SignatureValue of the berat we sealed, and that berat is whole inside it.
      const [own] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: name.slice(4) });
      const ours = (await unpackDocument(Buffer.from(own.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 50 << 20 })).xml.toString('utf8');
      const approval = verifyApprovedBerat(xml, { trustedRoots: root, now: new Date() });
      expect(ours).to.contain(`>${approval.signatureValue}</ds:SignatureValue>`);
      expect(approval.seal.subject).to.contain('GELIR IDARESI BASKANLIGI SIMULATORU');
      expect(() => verifyApprovedBerat(xml, { trustedRoots: certificatesFrom(testRootCa().certPem), now: new Date() }), 'a seal of a root nobody trusts').to.throw(/güvenilmiyor/);
      // The berat's seal carries a zaman damgası (GW_LEDGER_TSA_URL) over its SignatureValue, kept in GİB's berat.
      const doc = parseXml(xml);
      const sv = firstChild(firstChild(doc.root, NS.ds, 'Signature')!, NS.ds, 'SignatureValue')!;
      const stamp = Buffer.from(/<xades:EncapsulatedTimeStamp>([^<]+)</.exec(xml.toString('utf8'))![1]!, 'base64');
      expect(tsa.verify(stamp, crypto.createHash('sha256').update(canonicalBytes(doc, { method: C14N, element: sv })).digest()), `${name}: the timestamp`).to.equal(true);
      const v = await xmlsecVerify(xml, testRootCa().certPem);
      expect(v.ok, `${name}: our own signature on GİB's berat: ${v.output}`).to.equal(true);
      const file = path.join(dir, name);
      fs.writeFileSync(file, xml);
      expect(execFileSync('xmllint', ['--noout', '--nonet', '--schema', path.join(GIB_DIR, 'edefter', 'xsd', 'edefter.xsd'), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).to.equal('');
      // Changing the berat's signature value breaks GİB's approval.
      const forged = xml.toString('utf8').replace(approval.signatureValue, approval.signatureValue.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')));
      expect(() => verifyApprovedBerat(Buffer.from(forged), { trustedRoots: root, now: new Date() })).to.throw(/özeti/);
    }
    simPackage = null;
    // A second ledger for an approved period is refused at the door, and nothing changes.
    const again = await expectFault(client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202601.zip`, content: (await zipOne(`${TEST_VKN}-202601.csv`, SAMPLE)).toString('base64') }));
    expect(again.code).to.equal(4607);
    expect(await states('2026-01')).to.deep.equal(['DOWNLOADED', 'DOWNLOADED']);
  });

  it('GİB\'s rules at its door: order (114), an approved period again (111), someone else\'s package (109, 305), unknown packages (304, 204), an unsigned call', async () => {
    const seal = await softSeal(dir, TEST_VKN);
    const other = await softSeal(dir, '9876543210');
    const edefter = createEdefterClient({ url: sim.edefterUrl, timeoutMs: 5000 });
    const pkg = async (name: string) => zipFiles([{ name: name.replace(/-(Y|K)B-/, '-$1-').replace('.zip', '.xml'), bytes: Buffer.from('<a/>') }, { name: name.replace('.zip', '.xml'), bytes: Buffer.from('<b/>') }]);
    const refusal = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        if (isGibCallError(err)) return { code: err.gibCode, message: err.message, retryable: err.retryable };
        throw err;
      }
      throw new Error('GİB took it');
    };
    const send = async (name: string, s = seal) => refusal(edefter.sendPackage(name, await pkg(name), s));

    expect(await send(`${TEST_VKN}-202602-KB-000000.zip`)).to.deep.include({ code: 114, retryable: false });
    expect((await send(`${TEST_VKN}-202602-KB-000000.zip`)).message).to.contain('Yevmiye Defteri beratı onaylanmadan');
    expect((await send(`${TEST_VKN}-202603-YB-000000.zip`)).message).to.match(/114 .*2026-02 dönemi yüklenmeden 2026-03 yüklenemez/);
    expect((await send(`${TEST_VKN}-202512-YB-000000.zip`)).message).to.match(/114 .*2026-01 dönemi onaylanmış/);
    expect(await edefter.sendPackage(`${TEST_VKN}-202601-YB-000000.zip`, await pkg(`${TEST_VKN}-202601-YB-000000.zip`), seal), 'an approved package again: 111, a duplicate delivery').to.deep.equal({ duplicate: true });
    expect((await send(`${TEST_VKN}-202602-YB-000000.zip`, other)).code).to.equal(109);
    expect((await send(`${TEST_VKN}-2026-YB-000000.zip`)).code).to.equal(108);
    expect((await refusal(edefter.batchStatus(`${TEST_VKN}-202601-YB-000000`, other))).code).to.equal(305);
    expect((await refusal(edefter.approvedBerat(`${TEST_VKN}-202601-YB-000000`, other))).code).to.equal(205);
    expect((await refusal(edefter.batchStatus(`${TEST_VKN}-202611-YB-000000`, seal))).code).to.equal(304);
    expect((await refusal(edefter.approvedBerat(`${TEST_VKN}-202611-YB-000000`, seal))).code).to.equal(204);
    expect(await edefter.batchStatus(`${TEST_VKN}-202601-Y-000000`, seal), 'the book\'s name asks for its package').to.deep.include({ outcome: 'approved', code: 1 });

    // No WS-Security: refused before the service, without one of its codes.
    const res = await fetch(sim.edefterUrl, { method: 'POST', headers: { 'content-type': 'application/soap+xml' }, body: `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>${edefterRequest.getBatchStatus(`${TEST_VKN}-202601-YB-000000`)}</soap:Body></soap:Envelope>` });
    expect(res.status).to.equal(400);
    expect(await res.text()).to.contain('WS-Security');
    expect((await send(`${TEST_VKN}-202602-DR-000000.zip`)).message, 'a Defter Raporu before the month\'s berats').to.match(/114 .*beratları yüklenmeden Defter Raporu/);
    expect((await send(`${TEST_VKN}-202601-DR-000001.zip`)).code, 'a Defter Raporu in parts').to.equal(108);
    expect((await packages()).map((p) => p.paketId)).to.deep.equal([`${TEST_VKN}-202601-YB-000000`, `${TEST_VKN}-202601-KB-000000`, `${TEST_VKN}-202601-DR-000000`]);
    await seal.close();
    await other.close();
  });

  it('a send whose answer is lost (GİB took it): the retry gets 111 and counts as sent; GİB holds the package once', async () => {
    await uploadMonth('2026-02', sampleMonth(SAMPLE.toString('utf8'), 2, 4));
    Object.assign(sim.faults, { edefterTimeouts: 1, acceptHeld: true, holdMs: 800 });
    await client.LedgerStepAsync({ period: '2026-02', step: 'ALL' });
    await until('February downloaded', async () => ((await states('2026-02')).every((s) => s === 'DOWNLOADED') ? true : undefined));
    expect((await packages()).filter((p) => p.paketId.includes('202602')).map((p) => [p.paketId, p.attempt])).to.deep.equal([[`${TEST_VKN}-202602-YB-000000`, 1], [`${TEST_VKN}-202602-KB-000000`, 1], [`${TEST_VKN}-202602-DR-000000`, 1]]);
    const y = await gw.testDb.db('ledger_books').where({ tenant_id: gw.tenant.id, period: '2026-02', book: 'Y' }).first();
    const sent = await gw.testDb.db('state_history').where({ machine: 'ledger-book', entity_id: y.id, event: 'SEND' }).first();
    expect(sent.reason).to.contain('önceki denemede');
  });

  it('GİB away during a send (no answer, nothing taken): the job tries again and the package is sent once', async () => {
    await uploadMonth('2026-03', sampleMonth(SAMPLE.toString('utf8'), 3, 7));
    Object.assign(sim.faults, { edefterTimeouts: 2, acceptHeld: false, holdMs: 800 });
    await client.LedgerStepAsync({ period: '2026-03', step: 'ALL' });
    await until('March downloaded', async () => ((await states('2026-03')).every((s) => s === 'DOWNLOADED') ? true : undefined));
    expect(sim.faults.edefterTimeouts, 'both held calls were made').to.equal(0);
    expect((await packages()).filter((p) => p.paketId.includes('202603')).map((p) => [p.paketId, p.attempt])).to.deep.equal([[`${TEST_VKN}-202603-YB-000000`, 1], [`${TEST_VKN}-202603-KB-000000`, 1], [`${TEST_VKN}-202603-DR-000000`, 1]]);
  });

  it('a package GİB refuses: the book is GİB Hatası with GİB\'s reason, the Büyük Defter is not sent', async () => {
    await uploadMonth('2026-04', sampleMonth(SAMPLE.toString('utf8'), 4, 10));
    sim.faults.rejectLedgers = 1;
    await client.LedgerStepAsync({ period: '2026-04', step: 'ALL' });
    await until('April refused', async () => ((await states('2026-04'))[0] === 'GIB_REJECTED' ? true : undefined));
    const m = await month('2026-04');
    expect(m.ledgerBook.map((b: { state: string; code: number }) => [b.state, b.code])).to.deep.equal([['GIB_REJECTED', 4611], ['BERAT_SIGNED', 140]]);
    expect(m.ledgerBook[0].lastError).to.match(/^GİB DEFTER PAKETİNİ REDDETTİ: .*202604-YB-000000: Paket işlenirken hata oluştu\. simülatör: hata enjeksiyonu/);
    expect((await packages()).filter((p) => p.paketId.includes('202604')).map((p) => [p.paketId, p.state])).to.deep.equal([[`${TEST_VKN}-202604-YB-000000`, 2]]);
    expect((await expectFault(client.LedgerStepAsync({ period: '2026-04', step: 'ALL' }))).message).to.contain('kaynak dosyayı veya dönem tarihlerini düzeltiniz');
  });
});

describe(`e-Defter at GİB: a month over the part size goes in parts, each its own package (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let sim: Simulator;
  let gw: TestGateway;
  let client: soap.Client;
  const dir = tempDir('gw-ledger-parts-');

  before(async () => {
    // Without GİB's package: the simulator's libxml2 check compiles GİB's schema set for every document (≈ 0.85 s,
    // in this process); test/ledger/parts.test.ts holds each part to the XSD and the rules.
    sim = createSimulator({ timings: { ledgerMs: 20 }, trustedRoots: [testRootCa().certPem] });
    ({ gw, client } = await startGibWorld(dir, sim, { GW_LEDGER_PART_BYTES: String(96 * 1024) }));
  });
  after(async () => {
    await gw?.gateway.signers.close();
    await gw?.close();
    await sim?.stop();
  });

  it('Dosya Oluştur splits both books alike (…-000001, -000002, …), each part gets its berat, package, approval and GİB berat', async () => {
    await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202601.zip`, content: (await zipOne(`${TEST_VKN}-202601.csv`, journalCsv(generatedJournal(250)))).toString('base64') });
    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    const m = await until('both books downloaded', async () => {
      const month = [(await client.GetLedgerStatusAsync({ from: '2026-01', to: '2026-01' }))[0].month].flat()[0];
      return month.ledgerBook.every((b: { state: string }) => b.state === 'DOWNLOADED') ? month : undefined;
    });
    const files = m.ledgerBook.flatMap((b: { file: Array<{ fileName: string; sizeBytes: number }> }) => [b.file].flat());
    const parts = files.filter((f: { fileName: string }) => /-Y-\d{6}\.xml$/.test(f.fileName)).map((f: { fileName: string }) => f.fileName.slice(-10, -4)).sort();
    expect(parts.length).to.be.at.least(3);
    expect(parts).to.deep.equal(parts.map((_: string, i: number) => String(i + 1).padStart(6, '0')));
    for (const kind of ['Y', 'K', 'YB', 'KB']) {
      for (const prefix of kind.length === 2 ? ['', 'GIB-'] : ['']) {
        const re = new RegExp(`^${prefix}${TEST_VKN}-202601-${kind}-\\d{6}\\.xml$`);
        expect(files.filter((f: { fileName: string }) => re.test(f.fileName)), `${prefix}${kind}`).to.have.length(parts.length);
      }
    }
    for (const f of files.filter((x: { fileName: string }) => /-[YK]-\d{6}\.xml$/.test(x.fileName))) expect(f.sizeBytes, f.fileName).to.be.at.most(96 * 1024);
    const pkgs = (await (await fetch(`${sim.edefterUrl.replace('/EDefter', '')}/admin/edefter/packages?vkn=${TEST_VKN}`)).json()) as Array<{ paketId: string; state: number }>;
    expect(pkgs.map((p) => [p.paketId.slice(-9), p.state])).to.deep.equal([...parts.map((p: string) => [`YB-${p}`, 1]), ...parts.map((p: string) => [`KB-${p}`, 1]), ['DR-000000', 1]]);
  });
});
