import { expect } from 'chai';
import { isGatewayError, type FaultName } from '../../src/faults';
import { EFATURA_FAULTS } from '../../src/gib/protocol/codes';
import { packEnvelope } from '../../src/gib/protocol/package';
import {
  buildEFaturaFault,
  buildGetApplicationResponseRequest,
  buildGetApplicationResponseResponse,
  buildSendDocumentRequest,
  buildSendDocumentResponse,
  parseSoapMessage,
  soapContentType,
} from '../../src/gib/protocol/soap';
import { parseSystemResponse } from '../../src/gib/protocol/system-response';
import { parseXml } from '../../src/xml/parse';
import { sample, validateWsdlBody } from './helpers';

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** The Body's one child, as a document of its own (the builders declare its namespaces on it). */
function bodyElement(msg: Buffer): Buffer {
  const doc = parseXml(msg);
  const body = doc.root.children.find((c) => c.local === 'Body')!;
  const el = body.children[0]!;
  return msg.subarray(el.pos, el.end);
}

function faultOf(fn: () => unknown): FaultName {
  try {
    fn();
  } catch (err) {
    if (isGatewayError(err)) return err.fault;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

describe('gib/protocol soap', function () {
  this.timeout(30_000);

  it('sendDocument request: byte for byte, valid against the WSDL’s schema, and parsed back', async () => {
    const expected =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>' +
      '<ef:documentRequest xmlns:ef="http://gib.gov.tr/vedop3/eFatura"><fileName>e002da78-223f-438c-addb-16badeb047b5.zip</fileName>' +
      '<binaryData>UEsDBA==</binaryData><hash>0123456789abcdef0123456789abcdef</hash></ef:documentRequest>' +
      '</soap:Body></soap:Envelope>\n';
    const small = buildSendDocumentRequest({ fileName: 'e002da78-223f-438c-addb-16badeb047b5.zip', binaryData: Buffer.from('PK\x03\x04', 'latin1'), hash: '0123456789abcdef0123456789abcdef' });
    expect(small.toString('utf8')).to.equal(expected);

    const p = await packEnvelope(sample('1_TEMEL_FATURA_ZARF.xml'), 'e002da78-223f-438c-addb-16badeb047b5');
    const msg = buildSendDocumentRequest({ fileName: p.fileName, binaryData: p.zip, hash: p.md5, contentType: 'application/zip' });
    const v = validateWsdlBody(bodyElement(msg));
    expect(v.ok, v.output).to.equal(true);
    // The check is real: a qualified child, or one out of order, fails it.
    expect(validateWsdlBody(Buffer.from('<ef:documentRequest xmlns:ef="http://gib.gov.tr/vedop3/eFatura"><ef:fileName>a</ef:fileName></ef:documentRequest>')).ok).to.equal(false);
    expect(validateWsdlBody(Buffer.from('<ef:documentRequest xmlns:ef="http://gib.gov.tr/vedop3/eFatura"><hash>a</hash><fileName>a</fileName></ef:documentRequest>')).ok).to.equal(false);
    const parsed = parseSoapMessage(msg);
    expect(parsed.kind).to.equal('sendDocument');
    if (parsed.kind !== 'sendDocument') return;
    expect(parsed.fileName).to.equal(p.fileName);
    expect(parsed.hash).to.equal(p.md5);
    expect(parsed.contentType).to.equal('application/zip');
    expect(parsed.binaryData!.equals(p.zip)).to.equal(true);
  });

  it('sendDocument response, getApplicationResponse request and response: valid and parsed back', () => {
    const resp = buildSendDocumentResponse({ msg: 'ZARF ALINDI', hash: 'ab'.repeat(16) });
    expect(validateWsdlBody(bodyElement(resp)).ok).to.equal(true);
    expect(parseSoapMessage(resp)).to.deep.equal({ kind: 'sendDocumentResponse', msg: 'ZARF ALINDI', hash: 'ab'.repeat(16) });

    const req = buildGetApplicationResponseRequest('e002da78-223f-438c-addb-16badeb047b5');
    expect(req.toString('utf8')).to.contain('<ef:getAppRespRequest xmlns:ef="http://gib.gov.tr/vedop3/eFatura"><instanceIdentifier>e002da78-223f-438c-addb-16badeb047b5</instanceIdentifier></ef:getAppRespRequest>');
    expect(validateWsdlBody(bodyElement(req)).ok).to.equal(true);
    expect(parseSoapMessage(req)).to.deep.equal({ kind: 'getApplicationResponse', instanceIdentifier: 'e002da78-223f-438c-addb-16badeb047b5' });

    // The system response's envelope travels as a string (Ek-3 §7.2.2): escaped, and identical once read back.
    const systemEnvelope = sample('1_SISTEM_YANITI_MERKEZ.xml');
    const answer = buildGetApplicationResponseResponse(systemEnvelope);
    expect(validateWsdlBody(bodyElement(answer)).ok).to.equal(true);
    const back = parseSoapMessage(answer);
    expect(back.kind).to.equal('getApplicationResponseResponse');
    if (back.kind !== 'getApplicationResponseResponse') return;
    expect(back.applicationResponse).to.equal(systemEnvelope.toString('utf8').replace(/\r\n?/g, '\n'));
    expect(parseSystemResponse(Buffer.from(back.applicationResponse, 'utf8')).code).to.equal(1200);
  });

  it('EFaturaFault: every code 2000–2007 with GİB’s text, as Ek-3 §8 shows the detail', () => {
    for (const [code, text] of Object.entries(EFATURA_FAULTS)) {
      const msg = buildEFaturaFault(Number(code));
      const xml = msg.toString('utf8');
      expect(xml).to.contain(`<ns2:EFaturaFault xmlns:ns2="http://gib.gov.tr/vedop3/eFatura"><code>${code}</code><msg>${text}</msg></ns2:EFaturaFault>`);
      const detail = parseXml(msg).root.children[0]!.children[0]!.children.find((c) => c.local === 'Detail')!.children[0]!;
      const v = validateWsdlBody(msg.subarray(detail.pos, detail.end));
      expect(v.ok, v.output).to.equal(true);
      const parsed = parseSoapMessage(msg);
      expect(parsed).to.deep.equal({ kind: 'fault', soapCode: ['2002', '2003', '2005'].includes(code) ? 'soap:Receiver' : 'soap:Sender', reason: text, code: Number(code), msg: text });
    }
    expect(parseSoapMessage(buildEFaturaFault(2005, 'SISTEM HATASI: veritabanı'))).to.include({ code: 2005, msg: 'SISTEM HATASI: veritabanı' });
    expect(faultOf(() => buildEFaturaFault(1200))).to.equal('REQUEST_FIELD');
  });

  it('reads a SOAP 1.1 fault as well (a peer answering in 1.1), and a fault without GİB’s detail', () => {
    const v11 = Buffer.from(
      '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>S:Client</faultcode>' +
        '<faultstring>GECERSIZ ZARF ADI</faultstring><detail><ns2:EFaturaFault xmlns:ns2="http://gib.gov.tr/vedop3/eFatura">' +
        '<code>2006</code><msg>GECERSIZ ZARF ADI</msg></ns2:EFaturaFault></detail></S:Fault></S:Body></S:Envelope>',
    );
    expect(parseSoapMessage(v11)).to.deep.equal({ kind: 'fault', soapCode: 'S:Client', reason: 'GECERSIZ ZARF ADI', code: 2006, msg: 'GECERSIZ ZARF ADI' });
    const bare = Buffer.from(`<e:Envelope xmlns:e="${SOAP12}"><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code><e:Reason><e:Text xml:lang="en">Internal</e:Text></e:Reason></e:Fault></e:Body></e:Envelope>`);
    expect(parseSoapMessage(bare)).to.deep.equal({ kind: 'fault', soapCode: 'e:Receiver', reason: 'Internal' });
  });

  it('an MTOM request: binaryData as xop:Include is reported by its href', () => {
    const mtom = Buffer.from(
      `<soap:Envelope xmlns:soap="${SOAP12}"><soap:Body><ns2:documentRequest xmlns:ns2="http://gib.gov.tr/vedop3/eFatura">` +
        '<fileName>e002da78-223f-438c-addb-16badeb047b5.zip</fileName>' +
        '<binaryData><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:1.urn:uuid:abc@apache.org"/></binaryData>' +
        '<hash>0123456789abcdef0123456789abcdef</hash></ns2:documentRequest></soap:Body></soap:Envelope>',
    );
    expect(parseSoapMessage(mtom)).to.deep.equal({
      kind: 'sendDocument',
      fileName: 'e002da78-223f-438c-addb-16badeb047b5.zip',
      hash: '0123456789abcdef0123456789abcdef',
      binaryData: null,
      xopHref: 'cid:1.urn:uuid:abc@apache.org',
    });
  });

  it('refuses what is not an EFatura message, with the gateway’s request faults', () => {
    expect(faultOf(() => parseSoapMessage(Buffer.from('not xml')))).to.equal('REQUEST_MALFORMED');
    expect(faultOf(() => parseSoapMessage(Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><x/>')))).to.equal('REQUEST_DOCTYPE');
    expect(faultOf(() => parseSoapMessage(Buffer.from('<Envelope/>')))).to.equal('REQUEST_MALFORMED');
    expect(faultOf(() => parseSoapMessage(Buffer.from(`<s:Envelope xmlns:s="${SOAP12}"><s:Body><x:other xmlns:x="urn:x"/></s:Body></s:Envelope>`)))).to.equal('REQUEST_MALFORMED');
    const noHash = buildSendDocumentRequest({ fileName: 'a.zip', binaryData: Buffer.from('x'), hash: ' ' });
    expect(faultOf(() => parseSoapMessage(noHash))).to.equal('REQUEST_FIELD');
    const badB64 = Buffer.from(buildSendDocumentRequest({ fileName: 'a.zip', binaryData: Buffer.from('xyz'), hash: 'h' }).toString('utf8').replace('eHl6', 'e$l6'));
    expect(faultOf(() => parseSoapMessage(badB64))).to.equal('REQUEST_FIELD');
  });

  it('the Content-Type carries the SOAP 1.2 action of the binding', () => {
    expect(soapContentType('sendDocument')).to.equal('application/soap+xml; charset=utf-8; action="sendDocument"');
    expect(soapContentType('getApplicationResponse')).to.equal('application/soap+xml; charset=utf-8; action="getApplicationResponse"');
    expect(soapContentType()).to.equal('application/soap+xml; charset=utf-8');
  });
});
