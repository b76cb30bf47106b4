import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isGatewayError } from '../../src/faults';
import {
  GIB_PARTY,
  assertEnvelopeRules,
  buildEnvelope,
  envelopeRuleErrors,
  parseEnvelope,
  type EnvelopeSpec,
} from '../../src/gib/protocol/envelope';
import { isGibProtocolError } from '../../src/gib/protocol/errors';
import { signXml } from '../../src/signing/xades';
import { verifyXml } from '../../src/signing/verify';
import { parseXml } from '../../src/xml/parse';
import { OLD_SAMPLES_DIR, SAMPLE_SUPPLIER_VKN, sample, sampleInvoice, tempDir, testSeal, validateGib, type TestSeal, fieldError } from './helpers';

const ZARF_SAMPLES = fs.readdirSync(OLD_SAMPLES_DIR).filter((f) => f.endsWith('_ZARF.xml')).sort();
const SYSTEM_SAMPLES = ['1_SISTEM_YANITI_MERKEZ.xml', '1_SISTEM_YANITI_POSTA_KUTUSU.xml'];

function gibCode(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (isGibProtocolError(err)) return err.gibCode;
    throw err;
  }
  throw new Error('expected a GibProtocolError');
}


/** The n-th text of `<…:local>…</…:local>` in a file, read with a regex (independently of the parser under test). */
function texts(xml: string, local: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:[\\w.-]+:)?${local}>([^<]*)</(?:[\\w.-]+:)?${local}>`, 'g'))].map((m) => m[1]!);
}

const MINI_INVOICE = Buffer.from('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>');

function spec(overrides: Partial<EnvelopeSpec> = {}): EnvelopeSpec {
  return {
    id: '0f5a7d4e-3c2b-4a19-8e6f-2d1c0b9a8f7e',
    type: 'SENDERENVELOPE',
    createdAt: '2024-03-05T10:11:12',
    sender: { alias: 'urn:mail:defaultgb@firma.com.tr', vknTckn: '1288331521', title: 'AAA Anonim Şirketi' },
    receiver: { alias: 'urn:mail:defaultpk@alici.com.tr', vknTckn: '9205121120', title: 'BBB Limited Şirketi' },
    elementType: 'INVOICE',
    elements: [MINI_INVOICE],
    ...overrides,
  };
}

describe('gib/protocol envelope', function () {
  this.timeout(60_000);

  describe('GİB’s samples', () => {
    for (const name of [...ZARF_SAMPLES, ...SYSTEM_SAMPLES]) {
      it(`${name}: parses, and every header field is what the file says`, () => {
        const bytes = sample(name);
        const text = bytes.toString('utf8');
        const env = parseEnvelope(bytes);
        expect(env.id).to.equal(texts(text, 'InstanceIdentifier')[0]);
        expect(env.type).to.equal(texts(text, 'Type')[0]);
        expect(env.createdAt).to.equal(texts(text, 'CreationDateAndTime')[0]);
        expect(env.headerVersion).to.equal('1.0');
        expect(env.typeVersion).to.equal(texts(text, 'TypeVersion')[0]);
        const identifiers = texts(text, 'Identifier');
        expect(env.sender.alias).to.equal(identifiers[0]);
        expect(env.receiver.alias).to.equal(identifiers[1]);
        const contacts = texts(text, 'Contact');
        const kinds = texts(text, 'ContactTypeIdentifier');
        const half = contacts.length / 2;
        const vkn = (from: number) => contacts.slice(from, from + half)[kinds.slice(from, from + half).indexOf('VKN_TCKN')];
        expect(env.sender.vknTckn).to.equal(vkn(0));
        expect(env.receiver.vknTckn).to.equal(vkn(half));
        expect(env.elementType).to.equal(texts(text, 'ElementType')[0]);
        expect(env.elementCount).to.equal(Number(texts(text, 'ElementCount')[0]));
        expect(env.elements).to.have.length(env.elementCount);
        for (const e of env.elements) {
          expect(bytes.subarray(e.start, e.end).equals(e.bytes)).to.equal(true);
          expect(e.bytes.toString('latin1', 0, e.local.length + 1)).to.equal(`<${e.local}`);
        }
      });
    }

    it('1_TEMEL_FATURA_ZARF.xml: the fields, literally', () => {
      const env = parseEnvelope(sample('1_TEMEL_FATURA_ZARF.xml'));
      expect(env).to.deep.include({
        id: 'e002da78-223f-438c-addb-16badeb047b5',
        type: 'SENDERENVELOPE',
        createdAt: '2013-06-19T14:47:55',
        standard: '',
        typeVersion: '1.0',
        elementType: 'INVOICE',
        elementCount: 1,
      });
      expect(env.sender).to.deep.include({ alias: 'urn:mail:defaultgb@gib.gov.tr', vknTckn: '9999999999', title: 'e-Fatura Deneme A.Ş.' });
      expect(env.receiver).to.deep.include({ alias: 'urn:mail:defaultpk@gib.gov.tr', vknTckn: '9999999999', title: 'e-Fatura Deneme A.Ş.' });
      expect(env.elements[0]).to.include({ ns: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2', local: 'Invoice' });
    });

    it('the documents inside are byte for byte the standalone samples', () => {
      // GİB's package has each document also on its own; for these the envelope holds exactly those bytes.
      for (const name of ['1_TEMEL_FATURA', '3_TICARI_FATURA', '3_UYGULAMA_YANITI_RED', '4_KULLANICI_ACMA', '5_KULLANICI_SILME', '6_TEMEL_FATURA_KDV_SIFIR', '7_TEMEL_FATURA_IADE', '7_TICARI_FATURA', '8_FATURA_SAKLAMA_KULLANICI_ACMA', '9_FATURA_SAKLAMA_KULLANICI_SILME']) {
        const standalone = sample(`${name}.xml`);
        const root = parseXml(standalone).root;
        const env = parseEnvelope(sample(`${name}_ZARF.xml`));
        expect(env.elements[0]!.bytes.equals(standalone.subarray(root.pos, root.end)), name).to.equal(true);
        expect(env.elements[0]!.document.equals(env.elements[0]!.bytes), name).to.equal(true);
      }
    });

    it('GİB’s own signature on the user-account document still verifies once taken out of its envelope (xmlsec1)', function () {
      const env = parseEnvelope(sample('4_KULLANICI_ACMA_ZARF.xml'));
      const dir = tempDir('xmlsec');
      const file = path.join(dir, 'pua.xml');
      fs.writeFileSync(file, env.elements[0]!.document);
      const out = execFileSync('xmlsec1', ['--verify', '--id-attr:Id', 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).to.not.match(/fail/i);
    });

    it('every sample passes the XSD route used here (xmllint with GİB’s envelope schema and UBL-TR 1.2.1)', () => {
      for (const name of [...ZARF_SAMPLES, ...SYSTEM_SAMPLES]) {
        const r = validateGib(sample(name));
        expect(r.ok, `${name}: ${r.output}`).to.equal(true);
      }
      // The check is real: the header without its version, or an invoice missing a required element, fails it.
      const noVersion = validateGib(Buffer.from(sample('1_TEMEL_FATURA_ZARF.xml').toString('utf8').replace('<sh:HeaderVersion>1.0</sh:HeaderVersion>', '')));
      expect(noVersion.ok).to.equal(false);
      expect(noVersion.output).to.match(/HeaderVersion|Sender/);
      const badInvoice = validateGib(Buffer.from(sample('1_TEMEL_FATURA_ZARF.xml').toString('utf8').replace(/<cbc:IssueDate>[^<]*<\/cbc:IssueDate>/, '')));
      expect(badInvoice.ok).to.equal(false);
    });

    it('GİB’s 2013 samples fail today’s envelope rules on exactly one point: TypeVersion 1.0', () => {
      for (const name of [...ZARF_SAMPLES, ...SYSTEM_SAMPLES]) {
        expect(envelopeRuleErrors(parseEnvelope(sample(name))), name).to.deep.equal(["Geçersiz sh:TypeVersion elemanı değeri. '1.2' değerine eşit olmalıdır."]);
      }
    });
  });

  describe('buildEnvelope', () => {
    it('writes the envelope byte for byte as fixed here (layout of GİB’s samples, today’s values)', () => {
      const expected =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<sh:StandardBusinessDocument xsi:schemaLocation="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader PackageProxy_1_2.xsd" xmlns:sh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader" xmlns:ef="http://www.efatura.gov.tr/package-namespace" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
        ' <sh:StandardBusinessDocumentHeader>\n' +
        '  <sh:HeaderVersion>1.0</sh:HeaderVersion>\n' +
        '  <sh:Sender>\n' +
        '   <sh:Identifier>urn:mail:defaultgb@firma.com.tr</sh:Identifier>\n' +
        '   <sh:ContactInformation>\n' +
        '    <sh:Contact>AAA Anonim Şirketi</sh:Contact>\n' +
        '    <sh:ContactTypeIdentifier>UNVAN</sh:ContactTypeIdentifier>\n' +
        '   </sh:ContactInformation>\n' +
        '   <sh:ContactInformation>\n' +
        '    <sh:Contact>1288331521</sh:Contact>\n' +
        '    <sh:ContactTypeIdentifier>VKN_TCKN</sh:ContactTypeIdentifier>\n' +
        '   </sh:ContactInformation>\n' +
        '  </sh:Sender>\n' +
        '  <sh:Receiver>\n' +
        '   <sh:Identifier>urn:mail:defaultpk@alici.com.tr</sh:Identifier>\n' +
        '   <sh:ContactInformation>\n' +
        '    <sh:Contact>BBB Limited Şirketi</sh:Contact>\n' +
        '    <sh:ContactTypeIdentifier>UNVAN</sh:ContactTypeIdentifier>\n' +
        '   </sh:ContactInformation>\n' +
        '   <sh:ContactInformation>\n' +
        '    <sh:Contact>9205121120</sh:Contact>\n' +
        '    <sh:ContactTypeIdentifier>VKN_TCKN</sh:ContactTypeIdentifier>\n' +
        '   </sh:ContactInformation>\n' +
        '  </sh:Receiver>\n' +
        '  <sh:DocumentIdentification>\n' +
        '   <sh:Standard>UBL-TR</sh:Standard>\n' +
        '   <sh:TypeVersion>1.2</sh:TypeVersion>\n' +
        '   <sh:InstanceIdentifier>0f5a7d4e-3c2b-4a19-8e6f-2d1c0b9a8f7e</sh:InstanceIdentifier>\n' +
        '   <sh:Type>SENDERENVELOPE</sh:Type>\n' +
        '   <sh:CreationDateAndTime>2024-03-05T10:11:12</sh:CreationDateAndTime>\n' +
        '  </sh:DocumentIdentification>\n' +
        ' </sh:StandardBusinessDocumentHeader>\n' +
        ' <ef:Package>\n' +
        '  <Elements>\n' +
        '   <ElementType>INVOICE</ElementType>\n' +
        '   <ElementCount>1</ElementCount>\n' +
        '   <ElementList>\n' +
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>\n' +
        '   </ElementList>\n' +
        '  </Elements>\n' +
        ' </ef:Package>\n' +
        '</sh:StandardBusinessDocument>\n';
      expect(buildEnvelope(spec()).toString('utf8')).to.equal(expected);
    });

    it('a Date is written in Turkish time (UTC+3), as GİB writes times', () => {
      const env = parseEnvelope(buildEnvelope(spec({ createdAt: new Date('2024-12-31T22:30:05Z') })));
      expect(env.createdAt).to.equal('2025-01-01T01:30:05');
    });

    describe('with a signed invoice inside', () => {
      let seal: TestSeal;
      let signed: Buffer;
      before(async () => {
        seal = await testSeal(SAMPLE_SUPPLIER_VKN, 'AAA Anonim Şirketi');
        signed = await signXml(sampleInvoice(), seal.signer);
      });
      after(async () => {
        await seal.signer.close();
      });

      it('builds an envelope GİB’s schemas accept, and parses back to the same fields and the same bytes', async () => {
        const s = spec({ elements: [signed] });
        const xml = buildEnvelope(s);
        const xsd = validateGib(xml);
        expect(xsd.ok, xsd.output).to.equal(true);
        const env = parseEnvelope(xml, { expectedId: s.id });
        expect(env).to.deep.include({ id: s.id, type: 'SENDERENVELOPE', createdAt: s.createdAt, standard: 'UBL-TR', typeVersion: '1.2', elementType: 'INVOICE', elementCount: 1 });
        expect(env.sender).to.deep.include(s.sender);
        expect(env.receiver).to.deep.include(s.receiver);
        expect(envelopeRuleErrors(env)).to.deep.equal([]);
        assertEnvelopeRules(env);

        // The document as enveloped: everything but the XML declaration, byte for byte — the xml-stylesheet
        // processing instruction before the root included.
        const declEnd = signed.indexOf('?>') + 2;
        const original = signed.subarray(declEnd).toString('utf8').replace(/^\s+/, '').replace(/\s+$/, '');
        expect(env.elements[0]!.document.toString('utf8')).to.equal(original);
        expect(env.elements[0]!.document.toString('latin1', 0, 15)).to.equal('<?xml-styleshee');
        expect(env.elements[0]!.bytes.toString('latin1', 0, 8)).to.equal('<Invoice');
        // The signature still verifies on the bytes taken out of the envelope.
        const v = await verifyXml(env.elements[0]!.document, { trustedRoots: [seal.ca.certPem], expectedSignerId: SAMPLE_SUPPLIER_VKN });
        expect(v.signerId).to.equal(SAMPLE_SUPPLIER_VKN);
      });

      it('a tampered byte inside the envelope is caught by the signature check after parsing', async () => {
        const xml = buildEnvelope(spec({ elements: [signed] }));
        const at = xml.indexOf('<cbc:Note>') + 10;
        const tampered = Buffer.from(xml);
        tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
        const env = parseEnvelope(tampered);
        let failed = false;
        await verifyXml(env.elements[0]!.document, { trustedRoots: [seal.ca.certPem] }).catch(() => (failed = true));
        expect(failed).to.equal(true);
      });

      it('100 signed invoices: each one comes back byte for byte', () => {
        const docs = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? signed : MINI_INVOICE));
        const env = parseEnvelope(buildEnvelope(spec({ elements: docs })));
        expect(env.elements).to.have.length(100);
        env.elements.forEach((e, i) => {
          const src = docs[i]!;
          const root = parseXml(src).root;
          expect(e.bytes.equals(src.subarray(root.pos, root.end)), String(i)).to.equal(true);
        });
      });
    });

    it('keeps CRLF line ends, a byte order mark is dropped, and no declaration is left in the envelope', () => {
      const crlf = Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-8"?>\r\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">\r\n<!-- x -->\r\n</Invoice>\r\n', 'utf8');
      const xml = buildEnvelope(spec({ elements: [crlf] }));
      expect(xml.indexOf('<?xml', 10)).to.equal(-1);
      expect(xml.indexOf(Buffer.from([0xef, 0xbb, 0xbf]))).to.equal(-1);
      const e = parseEnvelope(xml).elements[0]!;
      expect(e.bytes.toString('utf8')).to.equal('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">\r\n<!-- x -->\r\n</Invoice>');
    });

    it('a USERENVELOPE goes from a GİB user alias to GİB', () => {
      const pua = sample('4_KULLANICI_ACMA.xml');
      const ok = spec({ type: 'USERENVELOPE', elementType: 'PROCESSUSERACCOUNT', sender: { alias: 'usergb', vknTckn: '9999999999' }, receiver: { ...GIB_PARTY }, elements: [pua] });
      const env = parseEnvelope(buildEnvelope(ok));
      expect(envelopeRuleErrors(env)).to.deep.equal([]);
      expect(validateGib(buildEnvelope(ok)).ok).to.equal(true);
      expect(fieldError(() => buildEnvelope({ ...ok, receiver: { alias: 'urn:mail:defaultpk@x', vknTckn: '3900383669' } }))).to.match(/GIB etiketli/);
      expect(fieldError(() => buildEnvelope({ ...ok, sender: { alias: 'urn:mail:defaultgb@x', vknTckn: '9999999999' } }))).to.match(/UserEnvelopeAliases/);
    });

    it('refuses what GİB’s envelope rules refuse', () => {
      expect(fieldError(() => buildEnvelope(spec({ id: 'not-a-uuid' })))).to.match(/envelope\.id/);
      expect(fieldError(() => buildEnvelope(spec({ elements: Array.from({ length: 101 }, () => MINI_INVOICE) })))).to.match(/en fazla 100/);
      expect(fieldError(() => buildEnvelope(spec({ elements: [] })))).to.match(/en az bir/);
      expect(fieldError(() => buildEnvelope(spec({ elementType: 'APPLICATIONRESPONSE' })))).to.match(/SENDERENVELOPE zarfı/);
      expect(fieldError(() => buildEnvelope(spec({ type: 'POSTBOXENVELOPE', elementType: 'APPLICATIONRESPONSE' })))).to.match(/kök eleman ApplicationResponse/);
      expect(fieldError(() => buildEnvelope(spec({ elements: [Buffer.from('<Invoice')] })))).to.match(/XML olarak okunamadı/);
      expect(fieldError(() => buildEnvelope(spec({ sender: { alias: 'x', vknTckn: '123' } })))).to.match(/vknTckn/);
      expect(fieldError(() => buildEnvelope(spec({ sender: { alias: ' ', vknTckn: '1288331521' } })))).to.match(/alias/);
      expect(fieldError(() => buildEnvelope(spec({ sender: { alias: 'x', vknTckn: '1288331521', title: 'A\u0001B' } })))).to.match(/karakter/);
      expect(fieldError(() => buildEnvelope(spec({ createdAt: '5 Mart 2024' })))).to.match(/xs:dateTime/);
      const export1 = Buffer.from('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ProfileID>IHRACAT</cbc:ProfileID></Invoice>');
      expect(fieldError(() => buildEnvelope(spec({ elements: [export1, MINI_INVOICE] })))).to.match(/IHRACAT/);
      expect(() => buildEnvelope(spec({ elements: [export1] }))).to.not.throw();
    });

    it('escapes what it writes', () => {
      const env = parseEnvelope(buildEnvelope(spec({ sender: { alias: 'urn:mail:a&b<c>@x.com', vknTckn: '1288331521', title: 'A & B <Ltd> "Şti"\r\n' } })));
      expect(env.sender.alias).to.equal('urn:mail:a&b<c>@x.com');
      expect(env.sender.title).to.equal('A & B <Ltd> "Şti"');
    });
  });

  describe('parseEnvelope errors carry GİB’s codes', () => {
    const good = buildEnvelope(spec());
    const mutate = (from: string | RegExp, to: string) => Buffer.from(good.toString('utf8').replace(from, to), 'utf8');

    it('not XML → 1132, malformed → 1140, a DOCTYPE → 1140', () => {
      expect(gibCode(() => parseEnvelope(Buffer.from('%PDF-1.4')))).to.equal(1132);
      expect(gibCode(() => parseEnvelope(good.subarray(0, good.length - 20)))).to.equal(1140);
      expect(gibCode(() => parseEnvelope(Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><x/>')))).to.equal(1140);
    });

    it('no envelope ID → 1141; another ID than the file name → 1142', () => {
      expect(gibCode(() => parseEnvelope(mutate(/<sh:InstanceIdentifier>[^<]*</, '<sh:InstanceIdentifier><')))).to.equal(1141);
      expect(gibCode(() => parseEnvelope(mutate(/<sh:InstanceIdentifier>[^<]*<\/sh:InstanceIdentifier>/, '')))).to.equal(1141);
      expect(gibCode(() => parseEnvelope(good, { expectedId: '11111111-2222-3333-4444-555555555555' }))).to.equal(1142);
    });

    it('a part the schema requires missing → 1160', () => {
      expect(gibCode(() => parseEnvelope(Buffer.from('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')))).to.equal(1160);
      expect(gibCode(() => parseEnvelope(mutate(/<ef:Package>[\s\S]*<\/ef:Package>/, '')))).to.equal(1160);
      expect(gibCode(() => parseEnvelope(mutate(/<sh:Sender>[\s\S]*<\/sh:Sender>/, '')))).to.equal(1160);
      expect(gibCode(() => parseEnvelope(mutate('<ElementCount>1<', '<ElementCount>bir<')))).to.equal(1160);
      expect(gibCode(() => parseEnvelope(mutate('2024-03-05T10:11:12', '05.03.2024')))).to.equal(1160);
    });

    it('envelopeRuleErrors reports in GİB’s words; assertEnvelopeRules throws 1150', () => {
      const env = parseEnvelope(mutate('<ElementCount>1<', '<ElementCount>2<'));
      expect(envelopeRuleErrors(env)).to.deep.equal([
        'ElementList elemanı içersinde bulunan eleman sayısı ElementCount elemanı değerine eşit olmalıdır.',
        'ElementList elemanı içerisinde bulunan inv:Invoice elemanı sayısı ElementCount elemanı değerine eşit olmalıdır.',
      ]);
      expect(gibCode(() => assertEnvelopeRules(env))).to.equal(1150);
      expect(envelopeRuleErrors(parseEnvelope(mutate('<sh:Type>SENDERENVELOPE<', '<sh:Type>SYSTEMENVELOPE<')))).to.deep.equal([
        'SYSTEMENVELOPE türündeki zarf ApplicationResponse şemasına göre oluşturulmuş belge taşımalıdır.',
      ]);
      expect(envelopeRuleErrors(parseEnvelope(mutate('>VKN_TCKN<', '>TCKN<')))).to.deep.equal([
        "sh:ContactTypeIdentifier elemanı değeri 'VKN_TCKN' ye eşit olan bir tane sh:ContactInformation elemanı bulunmalıdır.",
        "Geçersiz sh:ContactTypeIdentifier değeri : 'TCKN'. Geçerli değerler için kod listesine bakınız.",
      ]);
      expect(envelopeRuleErrors(parseEnvelope(mutate('PackageProxy_1_2.xsd', 'PackageProxy.xsd')))).to.deep.equal([
        "sh:StandardBusinessDocument alanın  xsi:schemaLocation niteliği 'PackageProxy_1_2.xsd' olmalıdır",
      ]);
    });
  });
});
