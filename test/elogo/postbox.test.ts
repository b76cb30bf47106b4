/**
 * e-Logo's PostBoxService (issue 15) through node-soap, a client generated from the served `?singleWsdl`, against a
 * gateway and GİB's simulator in this process over HTTP: login, an e-Fatura and an e-Arşiv invoice followed to 1300 /
 * Başarılı, the e-Arşiv one cancelled, the buyer's inbox pulled with GetDocument/GetDocumentDone, KABUL, logout —
 * and the same invoices seen through the native API. Then every bad input of the issue, each with e-Logo's result
 * and nothing stored.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import * as soap from 'soap';
import { zipFiles, zipOne } from '../../src/zip/write';
import { unpackDocument, unpackFiles } from '../../src/zip/read';
import { OTHER_VKN, soapClient, TEST_PASSWORD, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const unzipOne = async (zip: Buffer) => (await unpackDocument(zip, { container: 'zip', maxUnzippedBytes: 1 << 24 })).xml.toString('utf8');
const list = <T>(x: T | T[] | undefined | null): T[] => (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]);

describe('e-Logo PostBoxService: node-soap from ?singleWsdl, against the gateway and the simulator', function () {
  this.timeout(60_000);
  let world: PostBoxWorld;
  let gw: TestGateway;
  let seller: soap.Client;
  let buyer: soap.Client;
  let sellerSession: string;
  let buyerSession: string;
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const base = () => gw.url.replace(/\/soap\/gateway$/, '');

  before(async () => {
    world = await startPostBoxWorld({ clock });
    gw = world.gw;
    // The address public clients use: another case, ?singlewsdl.
    seller = await soap.createClientAsync(`${base()}/PostboxService.svc?singlewsdl`);
    buyer = await soap.createClientAsync(`${base()}/postboxservice.svc?wsdl`);
  });

  after(async () => {
    await world?.close();
  });

  const login = async (client: soap.Client, userName: string, passWord = TEST_PASSWORD) => {
    const [r] = await client.LoginAsync({ login: { appStr: 'test', passWord, source: 1, userName, version: '1' } });
    return r;
  };
  const send = async (session: string, params: string[], xml: string) => {
    const zip = await zipOne('fatura.xml', Buffer.from(xml));
    const [r] = await seller.SendDocumentAsync({ sessionID: session, paramList: { string: params }, document: { binaryData: { Value: zip.toString('base64') }, currentDate: new Date(), fileName: 'fatura.zip', hash: md5(zip) } });
    return r;
  };
  const status = async (session: string, uuid: string, type: string) => (await seller.GetDocumentStatusAsync({ sessionID: session, uuid, paramList: { string: [`DOCUMENTTYPE=${type}`] } }))[0];

  it('serves its WSDL at ?wsdl and ?singleWsdl, path and query in any case, with the address the client used', async () => {
    const res = await fetch(`${base()}/POSTBOXSERVICE.SVC?SingleWsdl`);
    expect(res.status).to.equal(200);
    const text = await res.text();
    expect(text).to.include('targetNamespace="http://tempuri.org/"').and.include(`location="${base()}/POSTBOXSERVICE.SVC"`);
    expect(Object.keys(seller.describe().PostBoxService.BasicHttpBinding_IPostBoxService)).to.include.members(['Login', 'Logout', 'SendDocument', 'GetDocument', 'GetDocumentDone', 'GetDocumentData', 'GetDocumentStatus', 'GetDocumentList', 'GetValidateGIBUser', 'CheckGibUser']);
  });

  it('Login gives a sessionID; a wrong password is e-Logo\'s Login fault', async () => {
    const r = await login(seller, gw.username);
    expect(r.LoginResult).to.equal(true);
    expect(r.sessionID).to.match(/^[0-9a-f-]{36}$/);
    sellerSession = r.sessionID;
    buyerSession = (await login(buyer, 'alici')).sessionID;
    const err = await login(seller, gw.username, 'yanlis').then(() => null, (e) => e);
    const fault = err?.root?.Envelope?.Body?.Fault;
    expect(fault?.faultcode).to.equal('Login');
    // WCF writes faultstring with xml:lang, which node-soap keeps beside the text.
    expect(fault?.faultstring?.$value ?? fault?.faultstring).to.equal('Geçersiz kullanıcı adı/şifre');
  });

  let efatura: string;
  let earsiv: string;
  it('SendDocument EINVOICE and EARCHIVE: Başarılı with the refId and the UUID; GetDocumentStatus follows them to 1300 / Başarılı', async () => {
    efatura = randomUUID();
    earsiv = randomUUID();
    const a = await send(sellerSession, ['DOCUMENTTYPE=EINVOICE', 'SIGNED=0'], makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn: efatura }));
    expect([a.SendDocumentResult.resultCode, a.SendDocumentResult.resultMsg]).to.deep.equal([1, 'Başarılı']);
    expect(a.refId).to.be.greaterThan(0);
    expect(a.SendDocumentResult.outputList, 'no outputList, as e-Logo answers').to.equal(undefined);
    const b = await send(sellerSession, ['DOCUMENTTYPE=EARCHIVE'], makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: '11111111111', ettn: earsiv }));
    expect(b.SendDocumentResult.resultCode).to.equal(1);
    const done = await until('1300', async () => {
      const s = await status(sellerSession, efatura, 'EINVOICE');
      return s.statusInfo.code === 1300 ? s : undefined;
    });
    expect(done.statusInfo).to.deep.include({ status: 2, description: '(GIB) BASARIYLA TAMAMLANDI', isCancel: false });
    expect(done.statusInfo.envelopeId).to.match(/^[0-9A-F-]{36}$/i);
    await until('Başarılı', async () => ((await status(sellerSession, earsiv, 'EARCHIVE')).statusInfo.status === 2 ? true : undefined));
    // The native API sees the same records.
    const native = await soapClient(gw);
    const [n] = await native.GetStatusAsync({ ettn: efatura });
    expect(n.invoice.state).to.equal('DELIVERED');
  });

  it('ALIAS sends to the receiver\'s postbox it names, when it has several', async () => {
    const second = `urn:mail:ikincipk@${OTHER_VKN}.gateway.local`;
    world.sim.store.upsertUser({ vknTckn: OTHER_VKN, aliases: [{ alias: second, role: 'PK' }] }, new Date());
    await gw.gateway.services.gib!.users.sync({ force: true });
    const ettn = randomUUID();
    const r = await send(sellerSession, ['DOCUMENTTYPE=EINVOICE', `ALIAS=${second}`], makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn }));
    expect(r.SendDocumentResult.resultCode).to.equal(1);
    const enveloped = await until('enveloped', async () => (await status(sellerSession, ettn, 'EINVOICE')).statusInfo.envelopeId ?? undefined);
    // Both companies are this gateway's: the envelope is here twice, as sent (OUT) and, once GİB delivers it, received.
    const row = await gw.gateway.db('envelopes').where({ direction: 'OUT' }).whereRaw('lower(id) = ?', [String(enveloped).toLowerCase()]).first();
    expect(row.receiver_alias).to.equal(second);
  });

  it('CANCELEARCHIVEINVOICE cancels the e-Arşiv invoice: isCancel', async () => {
    const [r] = await seller.SendDocumentAsync({ sessionID: sellerSession, paramList: { string: ['DOCUMENTTYPE=CANCELEARCHIVEINVOICE', `UUID=${earsiv}`] }, document: {} });
    expect(r.SendDocumentResult.resultCode, r.SendDocumentResult.resultMsg).to.equal(1);
    expect((await status(sellerSession, earsiv, 'EARCHIVE')).statusInfo.isCancel).to.equal(true);
  });

  it('the buyer pulls its inbox: GetDocument hands out the invoice until GetDocumentDone; then nothing is waiting; KABUL goes back', async () => {
    const pull = async () => (await buyer.GetDocumentAsync({ sessionID: buyerSession, paramList: { string: ['DOCUMENTTYPE=EINVOICE'] } }))[0];
    const first = await until('the invoice in the inbox', async () => {
      const r = await pull();
      return r.GetDocumentResult.resultCode === 1 ? r : undefined;
    });
    const zip = Buffer.from(first.document.binaryData.Value, 'base64');
    expect(first.document.hash).to.equal(md5(zip));
    expect(first.document.fileName.toLowerCase()).to.equal(`${efatura}.zip`);
    expect((await pull()).document.fileName.toLowerCase(), 'handed out again until done').to.equal(`${efatura}.zip`);
    const [done] = await buyer.GetDocumentDoneAsync({ sessionID: buyerSession, uuid: first.document.fileName, paramList: { string: ['DOCUMENTTYPE=EINVOICE'] } });
    expect(done.GetDocumentDoneResult.resultCode).to.equal(1);
    const after = await pull();
    expect([after.GetDocumentResult.resultCode, after.GetDocumentResult.resultMsg]).to.deep.equal([0, 'Bekleyen belge yok.']);
    const [kabul] = await buyer.SendDocumentAsync({ sessionID: buyerSession, paramList: { string: ['DOCUMENTTYPE=CREATEAPPLICATIONRESPONSE', `UUID=${efatura}`, 'APPLICATIONRESPONSE=KABUL', 'DESCRIPTION=KABUL EDİLMİŞTİR.'] }, document: {} });
    expect(kabul.SendDocumentResult.resultCode, kabul.SendDocumentResult.resultMsg).to.equal(1);
    await until('KABUL at the seller', async () => {
      const [n] = await (await soapClient(gw)).GetStatusAsync({ ettn: efatura });
      return n.invoice.state === 'ACCEPTED' ? true : undefined;
    });
  });

  it('the seller pulls the KABUL (APPLICATIONRESPONSE) and GİB\'s system responses (SYSTEMRESPONSE) the same way', async () => {
    for (const type of ['APPLICATIONRESPONSE', 'SYSTEMRESPONSE']) {
      const pull = async () => (await seller.GetDocumentAsync({ sessionID: sellerSession, paramList: { string: [`DOCUMENTTYPE=${type}`] } }))[0];
      const got = await until(type, async () => {
        const r = await pull();
        return r.GetDocumentResult.resultCode === 1 ? r : undefined;
      });
      const uuid = String(got.document.fileName).replace(/\.zip$/, '');
      const xml = await unzipOne(Buffer.from(got.document.binaryData.Value, 'base64'));
      expect(xml).to.include('ApplicationResponse').and.include(uuid);
      if (type === 'APPLICATIONRESPONSE') expect(xml).to.include('KABUL');
      // Another tenant cannot mark it done.
      const [other] = await buyer.GetDocumentDoneAsync({ sessionID: buyerSession, uuid, paramList: { string: [`DOCUMENTTYPE=${type}`] } });
      expect(other.GetDocumentDoneResult.resultCode).to.equal(0);
      const [done] = await seller.GetDocumentDoneAsync({ sessionID: sellerSession, uuid, paramList: { string: [`DOCUMENTTYPE=${type}`] } });
      expect(done.GetDocumentDoneResult.resultCode).to.equal(1);
      const next = await pull();
      if (next.GetDocumentResult.resultCode === 1) expect(next.document.fileName).to.not.equal(got.document.fileName);
    }
  });

  it('getUserListNew: GİB\'s user list as synced, PK or GB, zipped UserList XML', async () => {
    const [r] = await seller.getUserListNewAsync({ login: { userName: gw.username, passWord: TEST_PASSWORD }, listType: 'PKLIST' });
    const d = r.getUserListNewResult;
    expect(d.fileName).to.equal('USERLIST_PK.zip');
    const zip = Buffer.from(d.binaryData.Value, 'base64');
    expect(d.hash).to.equal(md5(zip));
    const xml = await unzipOne(zip);
    expect(xml).to.include(`<Identifier>${OTHER_VKN}</Identifier>`).and.include(`urn:mail:defaultpk@${OTHER_VKN}.gateway.local`).and.not.include('defaultgb@');
  });

  it('the same lockout as the native API: ten wrong passwords lock the user, then even the right one is refused', async () => {
    await gw.createTenantUser('5555555555', 'kilit');
    for (let i = 0; i < 10; i++) await login(seller, 'kilit', 'yanlis').catch(() => undefined);
    const err = await login(seller, 'kilit').then(() => null, (e) => e);
    const fault = err?.root?.Envelope?.Body?.Fault;
    expect(fault?.faultcode).to.equal('Login');
    expect(String(fault?.faultstring?.$value ?? fault?.faultstring)).to.match(/^KULLANICI GECICI OLARAK KILITLENDI/);
  });

  it('a session expires after GW_ELOGO_SESSION_MINUTES (20) without a call: -2', async () => {
    const s = (await login(seller, gw.username)).sessionID;
    offset = 19 * 60_000;
    expect((await status(s, efatura, 'EINVOICE')).GetDocumentStatusResult.resultCode, 'a call keeps it alive').to.equal(1);
    offset = 40 * 60_000;
    expect((await status(s, efatura, 'EINVOICE')).GetDocumentStatusResult.resultCode).to.equal(-2);
    offset = 0;
  });

  it('GetDocumentData gives the signed UBL zipped; GetValidateGIBUser the aliases', async () => {
    const [d] = await seller.GetDocumentDataAsync({ sessionID: sellerSession, uuid: efatura, paramList: { string: ['DOCUMENTTYPE=EINVOICE', 'DATAFORMAT=UBL'] } });
    expect(d.GetDocumentDataResult.resultCode).to.equal(1);
    expect(Buffer.from(d.document.binaryData.Value, 'base64').subarray(0, 2).toString()).to.equal('PK');
    // DATAFORMAT=HTML: the invoice's visual (src/visuals), zipped the same way.
    const [h] = await seller.GetDocumentDataAsync({ sessionID: sellerSession, uuid: efatura, paramList: { string: ['DOCUMENTTYPE=EINVOICE', 'DATAFORMAT=HTML'] } });
    expect(h.GetDocumentDataResult.resultCode).to.equal(1);
    const [page] = await unpackFiles(Buffer.from(h.document.binaryData.Value, 'base64'), { maxEntries: 1, maxUnzippedBytes: 1 << 24 });
    expect(page!.name).to.equal(`${efatura}.html`);
    expect(page!.bytes.toString('utf8')).to.include(efatura).and.include("default-src 'none'");
    const [v] = await seller.GetValidateGIBUserAsync({ sessionID: sellerSession, paramList: { string: [`VKN=${OTHER_VKN}`, 'DOCUMENTTYPE=0'] } });
    const out = list<string>(v.GetValidateGIBUserResult.outputList.string);
    expect(out).to.include('ISGIBUSER=1');
    // Both of its postboxes (the second one came with the ALIAS test), ';' between them.
    expect(out.find((o) => o.startsWith('EINVOICEPKALIAS='))!.split('=')[1]!.split(';')).to.include(`urn:mail:defaultpk@${OTHER_VKN}.gateway.local`);
  });

  describe('bad input: e-Logo\'s result, nothing stored', () => {
    const invoices = () => gw.gateway.db('invoices').count({ n: '*' }).first().then((r) => Number(r!.n));

    it('an unknown or logged-out sessionID: -2 Tekrar Oturum Açınız.', async () => {
      const before = await invoices();
      const r = await send('00000000-0000-0000-0000-000000000000', ['DOCUMENTTYPE=EINVOICE'], makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN }));
      expect([r.SendDocumentResult.resultCode, r.SendDocumentResult.resultMsg]).to.deep.equal([-2, 'Tekrar Oturum Açınız.']);
      const temp = (await login(seller, gw.username)).sessionID;
      await seller.LogoutAsync({ sessionID: temp });
      expect((await status(temp, efatura, 'EINVOICE')).GetDocumentStatusResult.resultCode).to.equal(-2);
      expect(await invoices()).to.equal(before);
    });

    it('a wrong MD5 hash, no DOCUMENTTYPE, an unknown one, a ZIP with two files, a ../ path, a DOCTYPE: -1 with the reason', async () => {
      const before = await invoices();
      const xml = Buffer.from(makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN }));
      const zip = await zipOne('fatura.xml', xml);
      const call = async (params: string[], data: Buffer, hash = md5(data)) =>
        (await seller.SendDocumentAsync({ sessionID: sellerSession, paramList: { string: params }, document: { binaryData: { Value: data.toString('base64') }, fileName: 'x.zip', hash } }))[0].SendDocumentResult;
      expect((await call(['DOCUMENTTYPE=EINVOICE'], zip, 'deadbeef')).resultMsg).to.equal('Hash değeri gönderilen dosya ile uyuşmuyor.');
      expect((await call(['ALIAS=urn:mail:defaultpk@x'], zip)).resultCode).to.equal(-1);
      expect((await call(['DOCUMENTTYPE=FATURAX'], zip)).resultCode).to.equal(-1);
      const despatch = await call(['DOCUMENTTYPE=DESPATCHADVICE'], zip);
      expect(despatch).to.deep.include({ resultCode: -1, resultMsg: 'DOCUMENTTYPE=DESPATCHADVICE bu entegratörde desteklenmiyor.' });
      const twoFiles = await zipFiles([{ name: 'a.xml', bytes: xml }, { name: 'b.xml', bytes: xml }]);
      expect(list((await call(['DOCUMENTTYPE=EINVOICE'], twoFiles)).outputList.string)).to.deep.equal(['ERRORCODE=1131']);
      // yazl refuses such a name: renamed in place (same length, both headers), as an attacker's tool would.
      const traversal = Buffer.from((await zipOne('abcdefgh.xml', xml)).toString('latin1').split('abcdefgh.xml').join('../evil1.xml'), 'latin1');
      expect(list((await call(['DOCUMENTTYPE=EINVOICE'], traversal)).outputList.string)).to.deep.equal(['ERRORCODE=4005']);
      const doctype = await zipOne('f.xml', Buffer.from(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>${xml.toString('utf8').replace(/^<\?xml[^>]*>/, '')}`));
      expect(list((await call(['DOCUMENTTYPE=EINVOICE'], doctype)).outputList.string)).to.deep.equal(['ERRORCODE=4007']);
      expect(await invoices()).to.equal(before);
    });

    it('GetDocumentDone for another tenant\'s document: 0 Belge bulunamadı, nothing marked', async () => {
      const [r] = await seller.GetDocumentDoneAsync({ sessionID: sellerSession, uuid: efatura, paramList: { string: ['DOCUMENTTYPE=EINVOICE'] } });
      expect([r.GetDocumentDoneResult.resultCode, r.GetDocumentDoneResult.resultMsg]).to.deep.equal([0, 'Belge bulunamadı.']);
      expect(await gw.gateway.db('elogo_pulled').where({ tenant_id: gw.tenant.id, kind: 'EINVOICE' })).to.deep.equal([]);
    });

    it('a SOAP request with a DOCTYPE is refused before it is read', async () => {
      const res = await fetch(`${base()}/PostBoxService.svc`, { method: 'POST', headers: { 'content-type': 'text/xml', soapaction: 'http://tempuri.org/IPostBoxService/Logout' }, body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>' });
      expect(res.status).to.equal(500);
      expect(await res.text()).to.include('<faultcode>s:Client</faultcode>');
    });
  });
});
