import { expect } from 'chai';
import { isGatewayError } from '../../src/faults';
import { GIB_STATUSES } from '../../src/gib/protocol/codes';
import { envelopeRuleErrors, parseEnvelope } from '../../src/gib/protocol/envelope';
import { isGibProtocolError } from '../../src/gib/protocol/errors';
import {
  buildSystemEnvelope,
  buildSystemResponse,
  parseSystemEnvelope,
  parseSystemResponse,
  replyParties,
  type SystemResponseSpec,
} from '../../src/gib/protocol/system-response';
import { sample, ublSample, validateGib } from './helpers';

function gibCode(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (isGibProtocolError(err)) return err.gibCode;
    throw err;
  }
  throw new Error('expected a GibProtocolError');
}

const SPEC: SystemResponseSpec = {
  uuid: '3c9a1f70-5e2b-4d8c-9f1a-6b7e8d9c0a1b',
  issuedAt: { date: '2024-03-05', time: '10:11:12' },
  sender: { vknTckn: '9205121120', name: 'BBB Limited Şirketi', address: { citySubdivision: 'Çankaya', city: 'Ankara' } },
  receiver: { vknTckn: '1288331521', name: 'AAA Anonim Şirketi' },
  envelopeId: 'e002da78-223f-438c-addb-16badeb047b5',
  envelopeType: 'SENDERENVELOPE',
  envelopeDate: '2024-03-04',
  code: 1200,
};

describe('gib/protocol system-response', function () {
  this.timeout(60_000);

  describe('GİB’s samples', () => {
    it('1_SISTEM_YANITI_MERKEZ.xml: Merkez tells the sender its envelope was processed (1200)', () => {
      const r = parseSystemResponse(sample('1_SISTEM_YANITI_MERKEZ.xml'));
      expect(r).to.deep.include({
        ublVersion: '2.0',
        customizationId: 'TR1.0',
        profileId: 'UBL-TR-PROFILE-1',
        id: '1733aa03-fd87-4303-9a64-0f65a2ec18b5',
        uuid: '74472467-65e3-4e52-ac9f-ef367e8967fc',
        issueDate: '2013-06-19',
        issueTime: '14:47:58',
        envelopeId: 'e002da78-223f-438c-addb-16badeb047b5',
        envelopeType: 'SENDERENVELOPE',
        envelopeDate: '2013-06-19',
        code: 1200,
        description: 'BASARIYLA ISLENDI',
      });
      expect(r.sender).to.deep.include({ vknTckn: '3900383669', scheme: 'VKN', name: 'Gelir İdaresi Başkanlığı' });
      expect(r.sender.address).to.deep.include({ city: 'ANKARA', citySubdivision: 'Dışkapı', countryCode: 'TR', country: 'Türkiye' });
      expect(r.receiver.vknTckn).to.equal('9999999999');
      expect(r.status).to.include({ code: 1200, text: 'ZARF BASARIYLA ISLENDI', final: false, outcome: 'success' });
    });

    it('1_SISTEM_YANITI_POSTA_KUTUSU.xml: the receiving postbox’s answer, in its SYSTEMENVELOPE', () => {
      const { envelope, responses } = parseSystemEnvelope(sample('1_SISTEM_YANITI_POSTA_KUTUSU.xml'));
      expect(envelope).to.deep.include({ id: '159159CF-4E2E-4868-BA42-CD0459DA824F', type: 'SYSTEMENVELOPE', standard: 'UBLTR' });
      expect(responses).to.have.length(1);
      expect(responses[0]).to.deep.include({ envelopeId: 'e002da78-223f-438c-addb-16badeb047b5', code: 1200, uuid: '092AEB7E-FF9B-43A2-A2C0-F024CAEBAB09' });
    });

    it('1_SISTEM_YANITI_GTB_POSTA_KUTUSU.xml: a bare ApplicationResponse; the party’s VKN among other identifications', () => {
      const r = parseSystemResponse(sample('1_SISTEM_YANITI_GTB_POSTA_KUTUSU.xml'));
      expect(r).to.deep.include({ ublVersion: '2.1', customizationId: 'TR1.2', id: 'GTB2016000000002', envelopeId: 'e002da78-223f-438c-addb-16badeb047b5', envelopeDate: '2015-07-26', code: 1200 });
      expect(r.sender.vknTckn).to.equal('1460415308');
      expect(r.sender.identifications).to.deep.equal([
        { scheme: 'VKN', id: '1460415308' },
        { scheme: 'GTB_REFNO', id: '16545419880849000000392' },
      ]);
      expect(r.receiver).to.deep.include({ vknTckn: '1111111111', name: 'AAA Anonim Şirketi', taxOffice: 'Büyük Mükellefler' });
    });
  });

  describe('buildSystemResponse', () => {
    it('writes the response byte for byte as fixed here', () => {
      const expected =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ApplicationResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2 UBL-ApplicationResponse-2.1.xsd">' +
        '<cbc:UBLVersionID>2.1</cbc:UBLVersionID><cbc:CustomizationID>TR1.2</cbc:CustomizationID><cbc:ProfileID>UBL-TR-PROFILE-1</cbc:ProfileID>' +
        '<cbc:ID>3c9a1f70-5e2b-4d8c-9f1a-6b7e8d9c0a1b</cbc:ID><cbc:UUID>3c9a1f70-5e2b-4d8c-9f1a-6b7e8d9c0a1b</cbc:UUID>' +
        '<cbc:IssueDate>2024-03-05</cbc:IssueDate><cbc:IssueTime>10:11:12</cbc:IssueTime>' +
        '<cac:SenderParty><cac:PartyIdentification><cbc:ID schemeID="VKN">9205121120</cbc:ID></cac:PartyIdentification>' +
        '<cac:PartyName><cbc:Name>BBB Limited Şirketi</cbc:Name></cac:PartyName>' +
        '<cac:PostalAddress><cbc:CitySubdivisionName>Çankaya</cbc:CitySubdivisionName><cbc:CityName>Ankara</cbc:CityName>' +
        '<cac:Country><cbc:IdentificationCode>TR</cbc:IdentificationCode><cbc:Name>Türkiye</cbc:Name></cac:Country></cac:PostalAddress></cac:SenderParty>' +
        '<cac:ReceiverParty><cac:PartyIdentification><cbc:ID schemeID="VKN">1288331521</cbc:ID></cac:PartyIdentification>' +
        '<cac:PartyName><cbc:Name>AAA Anonim Şirketi</cbc:Name></cac:PartyName>' +
        '<cac:PostalAddress><cbc:CitySubdivisionName></cbc:CitySubdivisionName><cbc:CityName></cbc:CityName>' +
        '<cac:Country><cbc:IdentificationCode>TR</cbc:IdentificationCode><cbc:Name>Türkiye</cbc:Name></cac:Country></cac:PostalAddress></cac:ReceiverParty>' +
        '<cac:DocumentResponse>' +
        '<cac:Response><cbc:ReferenceID>e9b057ac-774c-57d2-9480-501e39240e48</cbc:ReferenceID><cbc:ResponseCode>S_APR</cbc:ResponseCode><cbc:Description>APPLICATIONRESPONSE</cbc:Description></cac:Response>' +
        '<cac:DocumentReference><cbc:ID>e002da78-223f-438c-addb-16badeb047b5</cbc:ID><cbc:IssueDate>2024-03-04</cbc:IssueDate>' +
        '<cbc:DocumentTypeCode>SENDERENVELOPE</cbc:DocumentTypeCode><cbc:DocumentType>SENDERENVELOPE</cbc:DocumentType></cac:DocumentReference>' +
        '<cac:LineResponse><cac:LineReference><cbc:LineID>0</cbc:LineID><cac:DocumentReference><cbc:ID>e002da78-223f-438c-addb-16badeb047b5</cbc:ID><cbc:IssueDate>2024-03-04</cbc:IssueDate></cac:DocumentReference></cac:LineReference>' +
        '<cac:Response><cbc:ReferenceID>0ebf8c69-fc61-5104-9d10-02f6a3471955</cbc:ReferenceID><cbc:ResponseCode>1200</cbc:ResponseCode><cbc:Description>ZARF BASARIYLA ISLENDI</cbc:Description></cac:Response>' +
        '</cac:LineResponse></cac:DocumentResponse></ApplicationResponse>\n';
      const xml = buildSystemResponse(SPEC).toString('utf8');
      expect(xml).to.equal(expected);
      // The two reference IDs are name-based UUIDs (version 5) derived from the response's UUID: distinct, and the
      // same on every build.
      const refs = [...xml.matchAll(/<cbc:ReferenceID>([^<]*)</g)].map((m) => m[1]!);
      for (const r of refs) expect(r).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(refs[0]).to.not.equal(refs[1]);
      expect(buildSystemResponse(SPEC).equals(buildSystemResponse(SPEC))).to.equal(true);
    });

    it('passes GİB’s XSD and parses back to what was built', () => {
      const xml = buildSystemResponse({ ...SPEC, notes: ['not & not'], description: 'ZARF BASARIYLA ISLENDI' });
      const v = validateGib(xml);
      expect(v.ok, v.output).to.equal(true);
      const r = parseSystemResponse(xml);
      expect(r).to.deep.include({ id: SPEC.uuid, uuid: SPEC.uuid, issueDate: '2024-03-05', issueTime: '10:11:12', envelopeId: SPEC.envelopeId, envelopeType: 'SENDERENVELOPE', envelopeDate: '2024-03-04', code: 1200, description: 'ZARF BASARIYLA ISLENDI' });
      expect(r.notes).to.deep.equal(['not & not']);
      expect(r.sender).to.deep.include({ vknTckn: '9205121120', scheme: 'VKN', name: 'BBB Limited Şirketi' });
      expect(r.receiver).to.deep.include({ vknTckn: '1288331521', name: 'AAA Anonim Şirketi' });
    });

    it('every Ek-2 code, with GİB’s text by default, round-trips', () => {
      for (const [code, s] of Object.entries(GIB_STATUSES)) {
        const r = parseSystemResponse(buildSystemResponse({ ...SPEC, code: Number(code) }));
        expect(r.code).to.equal(Number(code));
        expect(r.description).to.equal(s.text);
        expect(r.status).to.equal(s);
      }
    });

    it('a TCKN party gets schemeID TCKN; a Date is written in Turkish time', () => {
      const r = parseSystemResponse(buildSystemResponse({ ...SPEC, receiver: { vknTckn: '12345678901', person: { firstName: 'Ayşe', familyName: 'Yılmaz' } }, issuedAt: new Date('2024-03-05T21:30:00Z'), envelopeDate: undefined }));
      expect(r.receiver).to.deep.include({ vknTckn: '12345678901', scheme: 'TCKN', person: { firstName: 'Ayşe', familyName: 'Yılmaz' } });
      expect(r).to.deep.include({ issueDate: '2024-03-06', issueTime: '00:30:00', envelopeDate: '2024-03-06' });
    });

    it('refuses what is not a system response', () => {
      const bad = (s: Partial<SystemResponseSpec>) => {
        try {
          buildSystemResponse({ ...SPEC, ...s });
        } catch (err) {
          return isGatewayError(err) && err.fault === 'REQUEST_FIELD';
        }
        return false;
      };
      expect(bad({ code: 2000 })).to.equal(true);
      expect(bad({ code: 1191 })).to.equal(true); // no GİB text: a description must be given
      expect(bad({ code: 1191, description: 'KOD 1191' })).to.equal(false);
      expect(bad({ envelopeType: 'SYSTEMENVELOPE' as never })).to.equal(true);
      expect(bad({ envelopeId: 'x' })).to.equal(true);
      expect(bad({ sender: { vknTckn: '12' } })).to.equal(true);
    });
  });

  describe('the SYSTEMENVELOPE', () => {
    it('answers a received envelope: parties swapped (Ek-2 §1), GİB’s schema and envelope rules pass', () => {
      const received = parseEnvelope(sample('1_TEMEL_FATURA_ZARF.xml'));
      const { sender, receiver } = replyParties(received);
      expect(sender.alias).to.equal('urn:mail:defaultpk@gib.gov.tr');
      expect(receiver.alias).to.equal('urn:mail:defaultgb@gib.gov.tr');
      const xml = buildSystemEnvelope({
        envelopeId: '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
        createdAt: '2024-03-05T10:11:12',
        sender,
        receiver,
        responses: [{ ...SPEC, envelopeId: received.id, code: 1160, description: 'XML SEMA KONTROLUNDEN GECEMEDI: satır 3' }],
      });
      const v = validateGib(xml);
      expect(v.ok, v.output).to.equal(true);
      const { envelope, responses } = parseSystemEnvelope(xml);
      expect(envelopeRuleErrors(envelope)).to.deep.equal([]);
      expect(envelope).to.deep.include({ type: 'SYSTEMENVELOPE', elementType: 'APPLICATIONRESPONSE' });
      expect(envelope.receiver).to.deep.include({ alias: 'urn:mail:defaultgb@gib.gov.tr', vknTckn: '9999999999' });
      expect(responses[0]).to.deep.include({ envelopeId: received.id, code: 1160, description: 'XML SEMA KONTROLUNDEN GECEMEDI: satır 3' });
      expect(responses[0]!.status).to.include({ final: true, outcome: 'error' });
      expect(parseSystemResponse(xml).code).to.equal(1160);
    });
  });

  describe('parse errors carry GİB’s codes', () => {
    it('not XML → 1132; a KABUL application response is no system response → 1160; another envelope type → 1160', () => {
      expect(gibCode(() => parseSystemResponse(Buffer.from('hello')))).to.equal(1132);
      expect(gibCode(() => parseSystemResponse(ublSample('KabulUygulamaYanitiOrnegi.xml')))).to.equal(1160);
      expect(gibCode(() => parseSystemEnvelope(sample('1_TEMEL_FATURA_ZARF.xml')))).to.equal(1160);
      const noLine = buildSystemResponse(SPEC).toString('utf8').replace(/<cac:LineResponse>[\s\S]*<\/cac:LineResponse>/, '');
      expect(gibCode(() => parseSystemResponse(Buffer.from(noLine)))).to.equal(1160);
      const badCode = buildSystemResponse(SPEC).toString('utf8').replace('<cbc:ResponseCode>1200<', '<cbc:ResponseCode>OK<');
      expect(gibCode(() => parseSystemResponse(Buffer.from(badCode)))).to.equal(1160);
    });
  });
});
