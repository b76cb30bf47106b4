/**
 * xml-crypto 6 (with @xmldom/xmldom 0.9) as a third verifier beside src/signing/verify.ts and xmlsec1: on every kind
 * of document the gateway signs (invoices, an invoice taken out of its envelope, ApplicationResponse, e-Arşiv report,
 * cancellation request and decision, user-account document) it agrees with xmlsec1 on the good document and on
 * one-character changes to the signed content, to SignedProperties and to the SignatureValue. It also pins down
 * what xml-crypto does differently from XML-DSig (test/helpers/xml-crypto-verify.ts, file comment), so a new
 * xml-crypto that fixes them shows up here.
 */
import assert from 'node:assert/strict';
import {
  CANCEL_DECISION_SIGNATURE_PLACEMENT,
  CANCEL_REQUEST_SIGNATURE_PLACEMENT,
  EARSIV_REPORT_SIGNATURE_PLACEMENT,
  buildApplicationResponse,
  buildCancelDecision,
  buildCancelRequest,
  buildEarsivReport,
  buildEnvelope,
  buildUserAccount,
  parseEnvelope,
} from '../../src/gib/protocol';
import { createSigner, type Signer } from '../../src/signing/signer';
import { verifyXml } from '../../src/signing/verify';
import { signXml, type SignXmlOptions } from '../../src/signing/xades';
import { makeInvoice } from '../helpers/invoices';
import { xmlCryptoVerify, type XmlCryptoVerdict } from '../helpers/xml-crypto-verify';
import { SAMPLE_VKN, sampleInvoice, softwareSeal, tempDir, xmlsecVerify, type SoftwareSeal } from './fixtures';

const SIGNATURE = /<ds:Signature [\s\S]*<\/ds:Signature>/;

/** Change one digit of element text outside ds:Signature (the same length, so nothing else moves). */
function tamperContent(xml: string): string {
  const sig = SIGNATURE.exec(xml)!;
  const rootStart = xml.search(/<[A-Za-z]/);
  for (const m of xml.matchAll(/>(\d)/g)) {
    const at = m.index + 1;
    if (at < rootStart || (at >= sig.index && at < sig.index + sig[0].length)) continue;
    return xml.slice(0, at) + String((Number(m[1]) + 1) % 10) + xml.slice(at + 1);
  }
  throw new Error('no digit in the signed content');
}

const tamperSigningTime = (xml: string) => xml.replace(/<xades:SigningTime>(\d)/, (_m, d: string) => `<xades:SigningTime>${d === '1' ? '2' : '1'}`);
const tamperSignatureValue = (xml: string) => xml.replace(/<ds:SignatureValue([^>]*)>(.)/, (_m, attrs: string, c: string) => `<ds:SignatureValue${attrs}>${c === 'A' ? 'B' : 'A'}`);

function digests(v: XmlCryptoVerdict): string[] {
  return v.references.map((r) => `${r.uri === '' ? 'document' : 'SignedProperties'}:${r.digest}`);
}

describe('signing: xml-crypto as a third verifier', function () {
  this.timeout(60_000);
  let seal: SoftwareSeal;
  let sw: Signer;

  before(async () => {
    seal = softwareSeal(tempDir('xmlcrypto'));
    sw = await createSigner(seal.config);
  });
  after(async () => {
    await sw?.close();
  });

  /** Every kind of document the gateway signs, signed as the gateway's code signs it. */
  const documents: Array<[string, () => Promise<Buffer>]> = [
    ['GİB’s TemelFaturaOrnegi.xml, 10 lines (xml-stylesheet PI before the root)', () => signXml(sampleInvoice(10), sw)],
    ['an e-Arşiv invoice as ERPs send it (makeInvoice)', () => signXml(makeInvoice({ profile: 'EARSIVFATURA', lines: 3, supplierVkn: SAMPLE_VKN }), sw)],
    [
      'a signed invoice taken out of its SENDERENVELOPE (what the receiver verifies)',
      async () => {
        const signed = await signXml(sampleInvoice(), sw);
        const env = buildEnvelope({
          id: '0d5d4c1e-2b3a-4f6e-9d8c-7b6a5f4e3d2c',
          type: 'SENDERENVELOPE',
          createdAt: new Date('2026-03-01T10:00:00Z'),
          sender: { vknTckn: SAMPLE_VKN, title: 'AAA Anonim Şirketi', alias: 'urn:mail:defaultgb@aaa.com.tr' },
          receiver: { vknTckn: '9205121120', title: 'BBB Limited Şirketi', alias: 'urn:mail:defaultpk@bbb.com.tr' },
          elementType: 'INVOICE',
          elements: [signed],
        });
        return parseEnvelope(env).elements[0]!.document;
      },
    ],
    [
      'an ApplicationResponse (KABUL), as application-response.service signs it',
      () =>
        signXml(
          buildApplicationResponse({
            uuid: '6a3f8c2e-1b4d-4e5f-9a8b-7c6d5e4f3a2b',
            issuedAt: { date: '2026-03-06', time: '09:30:00' },
            sender: { vknTckn: SAMPLE_VKN, name: 'AAA Anonim Şirketi', address: { citySubdivision: 'Beşiktaş', city: 'İstanbul' }, taxOffice: 'Beşiktaş' },
            receiver: { vknTckn: '9205121120', name: 'BBB Limited Şirketi', address: { citySubdivision: 'Çankaya', city: 'Ankara' } },
            invoice: { uuid: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', number: 'TST2026000000045', issueDate: '2026-03-01' },
            code: 'KABUL',
          }),
          sw,
          { claimedRole: null },
        ),
    ],
    [
      'an e-Arşiv report (signature last in baslik), as the report task signs it',
      () =>
        signXml(
          buildEarsivReport({
            taxpayer: SAMPLE_VKN,
            integrator: SAMPLE_VKN,
            reportId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
            period: { start: '2026-03-05', end: '2026-03-05' },
            invoices: [
              {
                ettn: '3f2a1c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
                number: 'ABC2026000000001',
                type: 'SATIS',
                sendingType: 'ELEKTRONIK',
                fileName: 'ABC2026000000001.xml',
                digest: 'q1w2e3r4t5y6u7i8o9p0',
                issueDate: '2026-03-05',
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
                signedAt: '2026-03-05T09:15:02',
              },
            ],
            cancellations: [{ number: 'ABC2026000000000', cancelledOn: '2026-03-05', amount: '118.00' }],
          }),
          sw,
          { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT },
        ),
    ],
    [
      'a cancellation request (signature last in the root), as efatura-cancel.service signs it',
      () =>
        signXml(
          buildCancelRequest({
            id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
            senderVknTckn: SAMPLE_VKN,
            receiverVknTckn: '9205121120',
            ettn: '698D8959-D648-4EA4-B2B7-CF27D7DB8B41',
            invoiceNumber: 'DAS2026000000003',
            invoiceDate: '2026-01-29',
            amount: '7840.80',
            currency: 'TRY',
            requestedAt: new Date('2026-01-29T11:02:48Z'),
          }),
          sw,
          { placement: CANCEL_REQUEST_SIGNATURE_PLACEMENT, claimedRole: null },
        ),
    ],
    [
      'a cancellation decision (APPROVE)',
      () =>
        signXml(
          buildCancelDecision({ requestId: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', decision: 'APPROVE', deciderVknTckn: '9205121120', decidedAt: '2026-01-30T09:00:00+03:00' }),
          sw,
          { placement: CANCEL_DECISION_SIGNATURE_PLACEMENT, claimedRole: null },
        ),
    ],
    [
      'a ProcessUserAccount document (signature in oa:Signature)',
      () =>
        signXml(
          buildUserAccount({
            action: 'PROCESS',
            integratorVkn: SAMPLE_VKN,
            createdAt: '2026-03-05T10:00:00',
            accounts: [{ vknTckn: '9205121120', name: 'BBB Limited Şirketi', role: 'PK', alias: 'urn:mail:defaultpk@bbb.com.tr', optionCode: 2 }],
          }),
          sw,
          {
            placement: { parentXPath: '/hr:ProcessUserAccount/oa:ApplicationArea/oa:Signature', namespaces: { hr: 'http://www.hr-xml.org/3', oa: 'http://www.openapplications.org/oagis/9' } },
            claimedRole: null,
          } satisfies SignXmlOptions,
        ),
    ],
  ];

  for (const [name, make] of documents) {
    it(`${name}: xml-crypto and xmlsec1 accept it, and both reject a changed digit, SigningTime or SignatureValue`, async () => {
      const signed = await make();
      const text = signed.toString('utf8');
      await verifyXml(signed, { trustedRoots: [Buffer.from(seal.ca.certPem)] });
      const x = await xmlsecVerify(signed, seal.ca.certPem);
      assert.ok(x.ok, x.output);
      const v = xmlCryptoVerify(signed);
      assert.ok(v.ok, v.errors.join('\n'));
      assert.deepEqual(digests(v), ['document:valid', 'SignedProperties:valid']);
      assert.equal(v.signatureValueOk, true);
      assert.ok(xmlCryptoVerify(signed, { cert: seal.certPem }).ok, 'with the certificate given instead of KeyInfo’s');

      const content = tamperContent(text);
      assert.equal(content.length, text.length);
      assert.notEqual(content, text);
      assert.equal((await xmlsecVerify(content, seal.ca.certPem)).ok, false);
      const c = xmlCryptoVerify(content);
      assert.equal(c.ok, false);
      assert.deepEqual(digests(c), ['document:invalid', 'SignedProperties:not checked']);

      const time = tamperSigningTime(text);
      assert.notEqual(time, text);
      assert.equal((await xmlsecVerify(time, seal.ca.certPem)).ok, false);
      const t = xmlCryptoVerify(time);
      assert.equal(t.ok, false);
      assert.deepEqual(digests(t), ['document:valid', 'SignedProperties:invalid']);

      const value = tamperSignatureValue(text);
      assert.notEqual(value, text);
      assert.equal((await xmlsecVerify(value, seal.ca.certPem)).ok, false);
      const s = xmlCryptoVerify(value);
      assert.equal(s.ok, false);
      assert.deepEqual(digests(s), ['document:valid', 'SignedProperties:valid']);
      assert.equal(s.signatureValueOk, false);
    });
  }

  it('a wrong certificate, a missing or retyped SignedProperties reference, a second signature, a duplicated Id: never a pass', async () => {
    const signed = (await signXml(makeInvoice({ lines: 2, supplierVkn: SAMPLE_VKN }), sw)).toString('utf8');
    assert.ok(xmlCryptoVerify(signed).ok);

    const other = softwareSeal(tempDir('xmlcrypto-other'));
    const wrongCert = xmlCryptoVerify(signed, { cert: other.certPem });
    assert.equal(wrongCert.ok, false);
    assert.equal(wrongCert.signatureValueOk, false);
    assert.ok(wrongCert.errors.some((e) => e.includes('CertDigest')));

    // SignedInfo edited (the signature value fails too, but the shape is refused before xml-crypto is asked).
    const noSpRef = signed.replace(/<ds:Reference Type="[^"]+" URI="#SignedProperties_[^"]+">[\s\S]*?<\/ds:Reference>/, '');
    assert.match(xmlCryptoVerify(noSpRef).errors.join(), /one URI="" and one SignedProperties reference/);
    const untyped = signed.replace(/<ds:Reference Type="[^"]+"/, '<ds:Reference');
    assert.equal(xmlCryptoVerify(untyped).ok, false);
    const twoTransforms = signed.replace('</ds:Transform></ds:Transforms>', '</ds:Transform><ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:Transform></ds:Transforms>');
    assert.match(xmlCryptoVerify(twoTransforms).errors.join(), /exactly the enveloped-signature transform/);

    const sig = SIGNATURE.exec(signed)![0];
    const two = signed.replace('</ext:UBLExtensions>', `<ext:UBLExtension><ext:ExtensionContent>${sig}</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>`);
    assert.match(xmlCryptoVerify(two).errors.join(), /2 outermost ds:Signature elements/);

    // Another element carrying the SignedProperties Id (inside the signature, so the document digest still holds):
    // xml-crypto itself refuses (signature wrapping).
    const dupId = signed.replace('<ds:KeyInfo>', `<ds:KeyInfo Id="${/URI="#(SignedProperties_[^"]+)"/.exec(signed)![1]}">`);
    assert.notEqual(dupId, signed);
    const d = xmlCryptoVerify(dupId);
    assert.equal(d.ok, false);
    assert.match(d.errors.join(), /multiple elements with the same value/);

    assert.match(xmlCryptoVerify('<a><b/>').errors.join(), /not well-formed/);
    assert.match(xmlCryptoVerify(makeInvoice()).errors.join(), /0 outermost ds:Signature/);
  });

  describe('where xml-crypto 6.3 departs from XML-DSig (documented in test/helpers/xml-crypto-verify.ts)', () => {
    it('1. plain xml-crypto leaves the processing instructions before the root out of URI="": GİB’s samples fail; the helper’s completion is exact', async () => {
      const withPi = (await signXml(sampleInvoice(), sw)).toString('utf8');
      assert.ok(withPi.includes('?>\r\n<?xml-stylesheet '));
      const plain = xmlCryptoVerify(withPi, { plain: true });
      assert.equal(plain.ok, false);
      assert.deepEqual(digests(plain), ['document:invalid', 'SignedProperties:not checked']);
      const completed = xmlCryptoVerify(withPi);
      assert.ok(completed.ok, completed.errors.join('\n'));
      assert.deepEqual(completed.completed, ['1 processing instruction outside the root']);
      // The same invoice without the PI: plain xml-crypto verifies it, nothing completed.
      const withoutPi = (await signXml(sampleInvoice().replace(/<\?xml-stylesheet[^>]*\?>\r\n/, ''), sw)).toString('utf8');
      const p2 = xmlCryptoVerify(withoutPi, { plain: true });
      assert.ok(p2.ok, p2.errors.join('\n'));
      assert.deepEqual(p2.completed, []);
      // The PI is signed: changing its data, or dropping it, fails (xmlsec1 agrees).
      const href = withPi.replace('href="general.xslt"', 'href="generaL.xslt"');
      assert.notEqual(href, withPi);
      assert.deepEqual(digests(xmlCryptoVerify(href)), ['document:invalid', 'SignedProperties:not checked']);
      assert.equal((await xmlsecVerify(href, seal.ca.certPem)).ok, false);
      const dropped = withPi.replace(/<\?xml-stylesheet[^>]*\?>\r\n/, '');
      assert.equal(xmlCryptoVerify(dropped).ok, false);
      assert.equal((await xmlsecVerify(dropped, seal.ca.certPem)).ok, false);
    });

    it('2 and 3. a PI inside the signed content, xml:lang on an ancestor: xmlsec1 and our verifier accept, xml-crypto does not', async () => {
      const report = (extra: string, lang: string) =>
        `<?xml version="1.0" encoding="UTF-8"?>\n<eArsivRaporu xmlns="http://earsiv.efatura.gov.tr"${lang}>\n  <baslik>\n` +
        `    <versiyon>1.0</versiyon>\n    <not>Tutar &gt; 0 &amp; &#214;denmi&#x15F;<![CDATA[ <cdata> ]]><!-- c -->${extra}</not>\n  </baslik>\n</eArsivRaporu>\n`;
      const placement = { placement: { parentXPath: '/eArsivRaporu/baslik' } };
      const cases: Array<[string, string, string[]]> = [
        ['neither (comments, CDATA, references: fine)', report('', ''), ['document:valid', 'SignedProperties:valid']],
        ['a PI inside an element', report('<?pi data?>', ''), ['document:invalid', 'SignedProperties:not checked']],
        ['xml:lang on the root', report('', ' xml:lang="tr"'), ['document:valid', 'SignedProperties:invalid']],
      ];
      for (const [name, xml, expected] of cases) {
        const signed = await signXml(xml, sw, placement);
        await verifyXml(signed, { trustedRoots: [Buffer.from(seal.ca.certPem)] });
        const x = await xmlsecVerify(signed, seal.ca.certPem);
        assert.ok(x.ok, `${name}: ${x.output}`);
        const v = xmlCryptoVerify(signed);
        assert.deepEqual(digests(v), expected, name);
        assert.equal(v.ok, expected.every((e) => e.endsWith(':valid')), name);
      }
    });

    it('4. only the first signature of a document is checked (xml-crypto takes the first SignedInfo’s context)', async () => {
      const signed = (await signXml(makeInvoice({ supplierVkn: SAMPLE_VKN }), sw)).toString('utf8');
      const id = /<ds:Signature [^>]*Id="([^"]+)"/.exec(signed)![1];
      assert.ok(xmlCryptoVerify(signed, { signatureId: id }).ok);
      const sig = SIGNATURE.exec(signed)![0].replace(`Id="${id}"`, 'Id="second"');
      const two = signed.replace('</ext:UBLExtensions>', `<ext:UBLExtension><ext:ExtensionContent>${sig}</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>`);
      assert.match(xmlCryptoVerify(two, { signatureId: 'second' }).errors.join(), /first ds:SignedInfo/);
    });
  });
});
