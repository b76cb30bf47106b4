import { expect } from 'chai';
import { isGatewayError } from '../../src/faults';
import {
  buildApplicationResponse,
  parseApplicationResponse,
  readApplicationResponse,
  type ApplicationResponseSpec,
} from '../../src/gib/protocol/application-response';
import { buildEnvelope, envelopeRuleErrors, parseEnvelope } from '../../src/gib/protocol/envelope';
import { isGibProtocolError } from '../../src/gib/protocol/errors';
import { signXml } from '../../src/signing/xades';
import { verifyXml } from '../../src/signing/verify';
import { sample, testSeal, ublSample, validateGib, type TestSeal, fieldError } from './helpers';

const INVOICE_UUID = '2d07cab5-bf97-4af5-96f8-ab45671a5e2e';

const SPEC: ApplicationResponseSpec = {
  uuid: '6a3f8c2e-1b4d-4e5f-9a8b-7c6d5e4f3a2b',
  issuedAt: { date: '2024-03-06', time: '09:30:00' },
  sender: { vknTckn: '9205121120', name: 'BBB Limited Şirketi', address: { citySubdivision: 'Çankaya', city: 'Ankara' }, taxOffice: 'Çankaya' },
  receiver: { vknTckn: '1288331521', name: 'AAA Anonim Şirketi', address: { citySubdivision: 'Beşiktaş', city: 'İstanbul' } },
  invoice: { uuid: INVOICE_UUID, number: 'TST2013000000045', issueDate: '2024-03-01' },
  code: 'KABUL',
};


describe('gib/protocol application-response', function () {
  this.timeout(60_000);

  describe('GİB’s samples', () => {
    it('KabulUygulamaYanitiOrnegi.xml (UBL-TR 1.2.1): KABUL of an invoice named by its number', () => {
      const r = parseApplicationResponse(ublSample('KabulUygulamaYanitiOrnegi.xml'));
      expect(r).to.deep.include({ ublVersion: '2.1', customizationId: 'TR1.2', profileId: 'TicariFatura', id: 'GIB2009000000002', uuid: 'c9ad1370-3581-11de-b418-0800200c9a66', issueDate: '2009-01-06', issueTime: '14:42:00', code: 'KABUL', description: 'FATURAKABUL', signed: false });
      expect(r.invoice).to.deep.equal({ reference: 'GIB2009000000011', number: 'GIB2009000000011', issueDate: '2009-01-05', documentType: 'FATURA' });
      expect(r.notes).to.deep.equal(['Fatura Kabul Edilmiştir.']);
      expect(r.sender).to.deep.include({ vknTckn: '9205121120', scheme: 'VKN', name: 'BBB Limited  Şirketi', taxOffice: 'Çankaya' });
      expect(r.receiver).to.deep.include({ vknTckn: '1288331521', name: 'AAA Anonim Şirketi' });
    });

    it('RedUygulamaYanitiOrnegi.xml: RED, the reason in the line response', () => {
      const r = parseApplicationResponse(ublSample('RedUygulamaYanitiOrnegi.xml'));
      expect(r.code).to.equal('RED');
      expect(r.lineDescriptions).to.deep.equal(['Fatura satış anlaşmasına uygun fiyatlandırılmaması nedeniyle reddedilmiştir']);
    });

    it('2_UYGULAMA_YANITI_KABUL.xml and 3_…_RED.xml (made by GİB’s portal): signed, the invoice named by its ETTN', () => {
      const k = parseApplicationResponse(sample('2_UYGULAMA_YANITI_KABUL.xml'));
      expect(k).to.deep.include({ profileId: 'TICARIFATURA', code: 'KABUL', description: 'Fatura kabul edildi.', signed: true });
      expect(k.invoice).to.deep.equal({ reference: INVOICE_UUID, uuid: INVOICE_UUID, issueDate: '2013-06-19', documentType: 'SATIS' });
      const r = parseApplicationResponse(sample('3_UYGULAMA_YANITI_RED.xml'));
      expect(r).to.deep.include({ code: 'RED', description: 'Fatura red edildi.' });
      expect(r.invoice.uuid).to.equal('d299a547-708c-4d7b-8478-5a0dd3a13d70');
    });

    it('the other response samples: IADE, GTB’s KABUL, YOLCUBERABER (ETTN + "Fatura No:" note)', () => {
      expect(parseApplicationResponse(ublSample('IadeUygulamaYanitiOrnegi.xml')).code).to.equal('IADE');
      // GİB's standalone 7_UYGULAMA_YANITI_IADE.xml is not well-formed (the schemaLocation value lacks its closing
      // quote; libxml2 says the same): 1140. The copy inside its envelope is intact.
      let code = 0;
      try {
        parseApplicationResponse(sample('7_UYGULAMA_YANITI_IADE.xml'));
      } catch (err) {
        if (isGibProtocolError(err)) code = err.gibCode;
      }
      expect(code).to.equal(1140);
      expect(readApplicationResponse(parseEnvelope(sample('7_UYGULAMA_YANITI_IADE_ZARF.xml')).elements[0]!.element).code).to.equal('IADE');
      const gtb = parseApplicationResponse(ublSample('IHRACAT_GTB_UygulamaYaniti_KABUL.xml'));
      expect(gtb).to.deep.include({ profileId: 'IHRACAT', code: 'KABUL' });
      const yb = parseApplicationResponse(ublSample('YOLCUBERABER_UygulamaYaniti.xml'));
      expect(yb.code).to.equal('GUMRUKONAY');
      expect(yb.invoice).to.deep.include({ uuid: '05AB3E33-A4AD-4135-8413-5FD264CA0AAA', number: 'GIB2015000000181', documentType: 'INVOICE' });
    });

    it('inside GİB’s POSTBOXENVELOPE samples, read from the envelope’s parse', () => {
      const env = parseEnvelope(sample('2_UYGULAMA_YANITI_KABUL_ZARF.xml'));
      expect(env.type).to.equal('POSTBOXENVELOPE');
      expect(readApplicationResponse(env.elements[0]!.element)).to.deep.include({ code: 'KABUL', uuid: 'b1a8387a-3e55-4204-8bf4-86d3c3b736a3' });
    });
  });

  describe('buildApplicationResponse', () => {
    let seal: TestSeal;
    before(async () => {
      seal = await testSeal('9205121120', 'BBB Limited Şirketi');
    });
    after(async () => {
      await seal.signer.close();
    });

    it('builds a KABUL that passes GİB’s XSD and parses back to what was built', () => {
      const xml = buildApplicationResponse({ ...SPEC, notes: ['Teşekkürler'] });
      const v = validateGib(xml);
      expect(v.ok, v.output).to.equal(true);
      const r = parseApplicationResponse(xml);
      expect(r).to.deep.include({ ublVersion: '2.1', customizationId: 'TR1.2', profileId: 'TICARIFATURA', id: SPEC.uuid, uuid: SPEC.uuid, issueDate: '2024-03-06', issueTime: '09:30:00', code: 'KABUL', description: 'Fatura kabul edildi.', signed: false });
      expect(r.invoice).to.deep.equal({ reference: INVOICE_UUID, uuid: INVOICE_UUID, number: 'TST2013000000045', issueDate: '2024-03-01', documentType: 'FATURA' });
      expect(r.notes).to.deep.equal(['Teşekkürler', 'Fatura No:TST2013000000045']);
      expect(r.lineDescriptions).to.deep.equal(['Fatura kabul edildi.']);
      expect(r.sender).to.deep.include({ vknTckn: '9205121120', name: 'BBB Limited Şirketi', taxOffice: 'Çankaya' });
      expect(r.receiver).to.deep.include({ vknTckn: '1288331521', name: 'AAA Anonim Şirketi' });
    });

    it('a RED with its reason; a TCKN receiver as a person; the portal’s document type', () => {
      const xml = buildApplicationResponse({
        ...SPEC,
        code: 'RED',
        reason: 'Fiyat & miktar <uyuşmuyor>',
        receiver: { vknTckn: '12345678901', person: { firstName: 'Ayşe', familyName: 'Yılmaz' } },
        invoice: { uuid: INVOICE_UUID, issueDate: '2024-03-01', documentType: 'SATIS' },
      });
      expect(validateGib(xml).ok).to.equal(true);
      const r = parseApplicationResponse(xml);
      expect(r).to.deep.include({ code: 'RED', description: 'Fiyat & miktar <uyuşmuyor>' });
      expect(r.invoice).to.deep.equal({ reference: INVOICE_UUID, uuid: INVOICE_UUID, issueDate: '2024-03-01', documentType: 'SATIS' });
      expect(r.receiver).to.deep.include({ scheme: 'TCKN', person: { firstName: 'Ayşe', familyName: 'Yılmaz' } });
    });

    it('signed by the receiver’s seal, travels in a POSTBOXENVELOPE and verifies after it is taken out', async () => {
      const signed = await signXml(buildApplicationResponse(SPEC), seal.signer);
      const v = validateGib(signed);
      expect(v.ok, v.output).to.equal(true);
      const parsed = parseApplicationResponse(signed);
      expect(parsed.signed).to.equal(true);
      expect(parsed.code).to.equal('KABUL');

      const envelope = buildEnvelope({
        id: '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5f6e',
        type: 'POSTBOXENVELOPE',
        createdAt: '2024-03-06T09:30:05',
        sender: { alias: 'urn:mail:defaultpk@bbb.com.tr', vknTckn: '9205121120', title: 'BBB Limited Şirketi' },
        receiver: { alias: 'urn:mail:defaultgb@aaa.com.tr', vknTckn: '1288331521', title: 'AAA Anonim Şirketi' },
        elementType: 'APPLICATIONRESPONSE',
        elements: [signed],
      });
      const ev = validateGib(envelope);
      expect(ev.ok, ev.output).to.equal(true);
      const env = parseEnvelope(envelope);
      expect(envelopeRuleErrors(env)).to.deep.equal([]);
      const inner = env.elements[0]!;
      expect(readApplicationResponse(inner.element)).to.deep.include({ code: 'KABUL', uuid: SPEC.uuid, signed: true });
      const result = await verifyXml(inner.document, { trustedRoots: [seal.ca.certPem], expectedSignerId: '9205121120' });
      expect(result.signerId).to.equal('9205121120');
    });

    it('refuses what GİB’s rules refuse', () => {
      expect(fieldError(() => buildApplicationResponse({ ...SPEC, code: 'IADE' as never }))).to.match(/KABUL veya RED/);
      expect(fieldError(() => buildApplicationResponse({ ...SPEC, profileId: 'TicariFatura' as never }))).to.match(/TICARIFATURA/);
      expect(fieldError(() => buildApplicationResponse({ ...SPEC, sender: { vknTckn: '9205121120' } }))).to.match(/PartyName/);
      expect(fieldError(() => buildApplicationResponse({ ...SPEC, receiver: { vknTckn: '12345678901' } }))).to.match(/Person/);
      expect(fieldError(() => buildApplicationResponse({ ...SPEC, invoice: { uuid: 'TST2013000000045', issueDate: '2024-03-01' } }))).to.match(/invoice\.uuid/);
      expect(fieldError(() => buildApplicationResponse({ ...SPEC, invoice: { uuid: INVOICE_UUID, issueDate: '01.03.2024' } }))).to.match(/issueDate/);
    });

    it('a system response is not an application response (1160)', () => {
      let code = 0;
      try {
        parseApplicationResponse(sample('1_SISTEM_YANITI_GTB_POSTA_KUTUSU.xml'));
      } catch (err) {
        if (isGibProtocolError(err)) code = err.gibCode;
      }
      expect(code).to.equal(1160);
    });
  });
});
