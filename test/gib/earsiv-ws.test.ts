import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isGatewayError } from '../../src/faults';
import {
  EARSIV_BATCH_STATUSES,
  EARSIV_FAULTS,
  EARSIV_SOAP_ACTIONS,
  EARSIV_WS_NS,
  EarsivFaultError,
  buildEArsivFault,
  buildGetBatchStatusRequest,
  buildGetBatchStatusResponse,
  buildGetUserListRequest,
  buildGetUserListResponse,
  buildInterruptedException,
  buildSendDocumentFileRequest,
  buildSendDocumentFileResponse,
  earsivBatchOutcome,
  earsivContentType,
  parseEarsivSoapMessage,
  reportIdFromFileName,
} from '../../src/gib/protocol/earsiv-ws';
import { GIB_STATUSES } from '../../src/gib/protocol/codes';
import { parseXml } from '../../src/xml/parse';
import { doc, GIB_DIR, tempDir, xmllint } from './helpers';

const WSDL = path.join(GIB_DIR, 'earsiv', 'EArsivWs.wsdl');
const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** The Body's one child, as a document of its own (the builders declare its namespace on it). */
function bodyElement(msg: Buffer): Buffer {
  const d = parseXml(msg);
  const el = d.root.children.find((c) => c.local === 'Body')!.children[0]!;
  return msg.subarray(el.pos, el.end);
}

function faultDetail(msg: Buffer): Buffer {
  const d = parseXml(msg);
  const fault = d.root.children.find((c) => c.local === 'Body')!.children[0]!;
  const el = fault.children.find((c) => c.local === 'Detail')!.children[0]!;
  return msg.subarray(el.pos, el.end);
}

let schemaFile: string | null = null;

/** Validates an element against the WSDL's inline schema (xmllint; the xmlmime import has no location and is skipped). */
function validateBody(el: Buffer): { ok: boolean; output: string } {
  if (!schemaFile) {
    const wsdl = fs.readFileSync(WSDL, 'utf8');
    const schema = /<xs:schema[\s\S]*?<\/xs:schema>/.exec(wsdl)![0];
    schemaFile = path.join(tempDir('earsiv-wsdl'), 'earsiv-ws.xsd');
    fs.writeFileSync(schemaFile, `<?xml version="1.0"?>\n${schema}`);
  }
  return xmllint(schemaFile, el);
}

function expectValid(msg: Buffer): void {
  const v = validateBody(bodyElement(msg));
  expect(v.ok, v.output).to.equal(true);
}

describe('gib/protocol earsiv-ws', function () {
  this.timeout(30_000);

  it('sendDocumentFile request and response: byte for byte, valid against EArsivWs.wsdl’s schema, parsed back', () => {
    const req = buildSendDocumentFileRequest({ fileName: `${ID}.zip`, binaryData: Buffer.from('PK\x03\x04', 'latin1') });
    expect(req.toString('utf8')).to.equal(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>' +
        `<ea:sendDocumentFile xmlns:ea="http://earsiv.vedop3.ggm.gov.org/"><Attachment><fileName>${ID}.zip</fileName><binaryData>UEsDBA==</binaryData></Attachment></ea:sendDocumentFile>` +
        '</soap:Body></soap:Envelope>\n',
    );
    expectValid(req);
    expect(parseEarsivSoapMessage(req)).to.deep.equal({ kind: 'sendDocumentFile', attachment: { fileName: `${ID}.zip`, binaryData: Buffer.from('PK\x03\x04', 'latin1') } });

    const res = buildSendDocumentFileResponse(ID);
    expectValid(res);
    expect(parseEarsivSoapMessage(res)).to.deep.equal({ kind: 'sendDocumentFileResponse', result: ID });

    // The check is real: a qualified child, a missing Attachment or a hash element (EFatura's, not here) fail it.
    expect(validateBody(Buffer.from(`<ea:sendDocumentFile xmlns:ea="${EARSIV_WS_NS}"><ea:Attachment><fileName>a</fileName><binaryData>AA==</binaryData></ea:Attachment></ea:sendDocumentFile>`)).ok).to.equal(false);
    expect(validateBody(Buffer.from(`<ea:sendDocumentFile xmlns:ea="${EARSIV_WS_NS}"/>`)).ok).to.equal(false);
    expect(validateBody(Buffer.from(`<ea:sendDocumentFile xmlns:ea="${EARSIV_WS_NS}"><Attachment><fileName>a</fileName><binaryData>AA==</binaryData><hash>x</hash></Attachment></ea:sendDocumentFile>`)).ok).to.equal(false);
    // A request without Attachment is read, for the service to answer 103.
    expect(parseEarsivSoapMessage(Buffer.from(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x:sendDocumentFile xmlns:x="${EARSIV_WS_NS}"/></s:Body></s:Envelope>`))).to.deep.equal({ kind: 'sendDocumentFile', attachment: null });
  });

  it('getBatchStatus request and durum answer round-trip; the optional fields are left out when not given', () => {
    const req = buildGetBatchStatusRequest(ID);
    expectValid(req);
    expect(parseEarsivSoapMessage(req)).to.deep.equal({ kind: 'getBatchStatus', paketId: ID });

    const full = { durumKodu: 1163, durumAciklama: 'GONDERILEN ZARF … <&>', paketId: ID, vergiKimlikNo: '9205121120' };
    const res = buildGetBatchStatusResponse(full);
    expectValid(res);
    expect(parseEarsivSoapMessage(res)).to.deep.equal({ kind: 'getBatchStatusResponse', status: full });
    expect(res.toString('utf8')).to.contain('<return><durumAciklama>GONDERILEN ZARF … &lt;&amp;&gt;</durumAciklama><durumKodu>1163</durumKodu><paketId>');

    const bare = buildGetBatchStatusResponse({ durumKodu: 1000, tcKimlikNo: '12345678901' });
    expectValid(bare);
    expect(parseEarsivSoapMessage(bare)).to.deep.equal({ kind: 'getBatchStatusResponse', status: { durumKodu: 1000, tcKimlikNo: '12345678901' } });
    // durumKodu is required and xs:int
    expect(validateBody(Buffer.from(`<ea:getBatchStatusResponse xmlns:ea="${EARSIV_WS_NS}"><return><paketId>x</paketId></return></ea:getBatchStatusResponse>`)).ok).to.equal(false);
    expect(() => buildGetBatchStatusResponse({ durumKodu: 1.5 })).to.throw(/durumKodu/);
  });

  it('getUserList request (type optional) and its attachment answer', () => {
    for (const req of [buildGetUserListRequest(), buildGetUserListRequest('PK')]) expectValid(req);
    expect(parseEarsivSoapMessage(buildGetUserListRequest())).to.deep.equal({ kind: 'getUserList' });
    expect(parseEarsivSoapMessage(buildGetUserListRequest('GB'))).to.deep.equal({ kind: 'getUserList', type: 'GB' });
    const res = buildGetUserListResponse({ fileName: 'USERLIST_PK.zip', binaryData: Buffer.from('zip bytes') });
    expectValid(res);
    expect(parseEarsivSoapMessage(res)).to.deep.equal({ kind: 'getUserListResponse', attachment: { fileName: 'USERLIST_PK.zip', binaryData: Buffer.from('zip bytes') } });
  });

  it('EArsivFault: SOAP 1.2 fault with the detail the WSDL declares; Sender or Receiver by the table', () => {
    const f = buildEArsivFault(304);
    const v = validateBody(faultDetail(f));
    expect(v.ok, v.output).to.equal(true);
    expect(parseEarsivSoapMessage(f)).to.deep.equal({ kind: 'fault', soapCode: 'soap:Sender', reason: 'Paket bulunamamıştır.', code: 304, message: 'Paket bulunamamıştır.' });
    expect(parseEarsivSoapMessage(buildEArsivFault(1195))).to.deep.include({ soapCode: 'soap:Receiver', code: 1195, message: 'SISTEM HATASI' });
    expect(parseEarsivSoapMessage(buildEArsivFault(111, 'Paket sisteme daha önce yüklenmiş. x'))).to.deep.include({ code: 111, message: 'Paket sisteme daha önce yüklenmiş. x' });
    expect(() => buildEArsivFault(999)).to.throw(/EArsivFault/);
    expect(buildEArsivFault(999, 'başka').toString()).to.contain('<code>999</code>');

    const i = buildInterruptedException();
    expect(validateBody(faultDetail(i)).ok).to.equal(true);
    expect(parseEarsivSoapMessage(i)).to.deep.include({ kind: 'fault', interrupted: true });
    // A fault of another service is a fault without code.
    const plain = parseEarsivSoapMessage(Buffer.from('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text>x</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>'));
    expect(plain).to.deep.equal({ kind: 'fault', soapCode: 's:Receiver', reason: 'x' });
  });

  it('the parser refuses what is not a message of this service', () => {
    const fault = (xml: string): string => {
      try {
        parseEarsivSoapMessage(Buffer.from(xml));
      } catch (err) {
        if (isGatewayError(err)) return err.fault;
        throw err;
      }
      return 'none';
    };
    expect(fault('not xml')).to.equal('REQUEST_MALFORMED');
    expect(fault('<a/>')).to.equal('REQUEST_MALFORMED');
    expect(fault('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x:documentRequest xmlns:x="http://gib.gov.tr/vedop3/eFatura"/></s:Body></s:Envelope>')).to.equal('REQUEST_MALFORMED');
    expect(fault(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x:other xmlns:x="${EARSIV_WS_NS}"/></s:Body></s:Envelope>`)).to.equal('REQUEST_MALFORMED');
    expect(fault(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x:sendDocumentFile xmlns:x="${EARSIV_WS_NS}"><Attachment><fileName>a</fileName><binaryData>not*base64</binaryData></Attachment></x:sendDocumentFile></s:Body></s:Envelope>`)).to.equal('REQUEST_FIELD');
    expect(fault(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x:getBatchStatusResponse xmlns:x="${EARSIV_WS_NS}"><return><durumKodu>bir</durumKodu></return></x:getBatchStatusResponse></s:Body></s:Envelope>`)).to.equal('REQUEST_FIELD');
  });

  it('Content-Type carries the binding’s soapAction', () => {
    expect(EARSIV_SOAP_ACTIONS).to.deep.equal({ sendDocumentFile: 'urn:SendDocumentFile', getBatchStatus: 'urn:GetBatchStatus', getUserList: 'urn:GetUserList' });
    const wsdl = fs.readFileSync(WSDL, 'utf8');
    for (const [op, action] of Object.entries(EARSIV_SOAP_ACTIONS)) {
      expect(wsdl).to.match(new RegExp(`<wsdl:operation name="${op}">\\s*<soap12:operation soapAction="${action}"`));
    }
    expect(earsivContentType('getBatchStatus')).to.equal('application/soap+xml; charset=utf-8; action="urn:GetBatchStatus"');
    expect(earsivContentType()).to.equal('application/soap+xml; charset=utf-8');
  });

  it('package names: <raporNo>.zip only (104 empty, 108 otherwise)', () => {
    expect(reportIdFromFileName(`${ID}.zip`)).to.equal(ID);
    const code = (name: string): number => {
      try {
        reportIdFromFileName(name);
      } catch (err) {
        expect(err).to.be.instanceOf(EarsivFaultError);
        return (err as EarsivFaultError).code;
      }
      return 0;
    };
    expect(code('')).to.equal(104);
    for (const bad of [`${ID}.xml`, `../${ID}.zip`, `a/${ID}.zip`, `${ID}.zip.zip`, 'rapor.zip', `${ID.slice(1)}.zip`]) expect(code(bad), bad).to.equal(108);
  });

  it('the fault texts taken from e-Defter’s web service guide are printed there, the ZIP ones are Ek-2’s', () => {
    const guide = doc('edefter-e-Defter_Uygulamasi_Web_Servis_Kilavuzu_V.1.7.txt').replace(/\s+/g, ' ');
    for (const [code, f] of Object.entries(EARSIV_FAULTS)) {
      const n = Number(code);
      if (n < 1000 && n !== 400) expect(guide, `${code} ${f.text}`).to.contain(`${code} ${f.text}`);
      else if (n >= 1000) expect(f.text).to.equal(GIB_STATUSES[n]!.text);
    }
    // Transient ones (GİB's database, queue, system errors) are retryable, the caller's mistakes are not.
    expect(Object.entries(EARSIV_FAULTS).filter(([, f]) => f.retryable).map(([c]) => Number(c))).to.deep.equal([110, 113, 114, 303, 1195]);
  });

  it('durumKodu: 1000/1100 pending, 1200/1300 accepted, 11xx errors rejected, the unknown pending', () => {
    expect(earsivBatchOutcome(1000)).to.equal('pending');
    expect(earsivBatchOutcome(1100)).to.equal('pending');
    expect(earsivBatchOutcome(1300)).to.equal('accepted');
    expect(earsivBatchOutcome(1200)).to.equal('accepted');
    for (const c of [1140, 1142, 1150, 1160, 1161, 1163, 1176, 1177, 1195]) expect(earsivBatchOutcome(c), String(c)).to.equal('rejected');
    expect(earsivBatchOutcome(1199)).to.equal('rejected');
    expect(earsivBatchOutcome(7)).to.equal('pending');
    expect(EARSIV_BATCH_STATUSES[1163]).to.deep.equal({ text: 'GONDERILEN ZARF SISTEMDE DAHA ONCE KAYITLI OLAN BIR FATURAYI ICERMEKTEDIR.', outcome: 'rejected' });
  });
});
