/**
 * Seeded variants of valid invoices, one targeted edit each, for the differential test against GİB's schematron
 * (test/validation/schematron.test.ts). The edits reach every kind of rule, not only those the gateway implements:
 * ids, UUIDs, profiles × type codes, dates, withholding, exemptions, tax codes, parties, currencies, attributes,
 * signatures and references, besides random leaf values and removals.
 */
import * as libxml from 'libxmljs2';
import { rng } from '../fuzz/mutate';

export interface InvoiceVariant {
  name: string;
  /** The edit's kind, for the test's tally. */
  edit: string;
  text: string;
  /** The channel the sender names: mostly the profile's own, one in six the other. */
  channel: 'EFATURA' | 'EARSIV';
}

const VALUES = ['TRY', 'USD', 'XXX', 'C62', 'ZZZ', 'TR', 'XX', '0015', '9999', '4171', '601', '90', '0', '-1', '555', '301', '702',
  '806', 'false', 'true', 'VKN', 'TCKN', 'FOO', 'PARTYTYPE', 'EXPORT', 'TAXFREE', 'CIF', 'XYZ', '1.005', '-5.00', 'IADE', '01', ''];
const PROFILES = ['TEMELFATURA', 'TICARIFATURA', 'IHRACAT', 'YOLCUBERABERFATURA', 'KAMU', 'HKS', 'ENERJI', 'ILAC_TIBBICIHAZ', 'YATIRIMTESVIK',
  'IDIS', 'OZELFATURA', 'EARSIVFATURA', 'temelfatura', ''];
const TYPES = ['SATIS', 'IADE', 'TEVKIFAT', 'TEVKIFATIADE', 'ISTISNA', 'OZELMATRAH', 'IHRACKAYITLI', 'SGK', 'KOMISYONCU', 'SARJ', 'SARJANLIK',
  'TEKNOLOJIDESTEK', 'YTBSATIS', 'YTBIADE', 'HKSSATIS', 'KONAKLAMAVERGISI', 'satis', 'FOO'];
/** TimeCheck's bounds: before 2005-01-01+04:00 (by the first instant), after today. */
const DATES = ['2004-12-31', '1999-01-01', '2005-01-01', '2005-01-01+05:00', '2005-01-01+04:00', '2005-01-01-03:00', '2099-01-01', '2024-02-29'];
const NUMBERS = ['ABC2024000000001', 'AB2024000000001', 'abc2024000000001', 'ABC1924000000001', 'ABC20240000000012', 'GIB2009000000001', ' ABC2024000000001', ''];
const UUIDS = ['x', 'F47AC10B-58CC-4372-A567-0E02B2C3D479', 'f47ac10b58cc4372a5670e02b2c3d479', '{f47ac10b-58cc-4372-a567-0e02b2c3d479}', 'g47ac10b-58cc-4372-a567-0e02b2c3d479', ''];
const WITHHOLDING = [['601', '40'], ['601', '50'], ['699', '40'], ['650', '20'], ['', '40'], ['602', '']];
const EXEMPTIONS = ['301', '350', '555', '702', '806', '701', '999', ''];
const TAX_CODES = ['0015', '4171', '9999', '0071', '0003', ''];
const CURRENCIES = ['USD', 'EUR', 'XXX', 'TRY', 'try', ''];
const PARTY_IDS = [['VKN', '1234567890'], ['TCKN', '12345678901'], ['VKN', '123456789'], ['TCKN', '1234567890'], ['MERSISNO', '1234567890'], ['FOO', '1'], ['VKN', '1460415308'], ['VKN', '']];

const withholding = (code: string, percent: string): string =>
  `<cac:WithholdingTaxTotal><cbc:TaxAmount currencyID="TRY">1.00</cbc:TaxAmount><cac:TaxSubtotal><cbc:TaxableAmount currencyID="TRY">2.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="TRY">1.00</cbc:TaxAmount><cbc:Percent>${percent}</cbc:Percent><cac:TaxCategory><cac:TaxScheme><cbc:TaxTypeCode>${code}</cbc:TaxTypeCode></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:WithholdingTaxTotal>`;

/** References with IssueDates, before cac:Signature (their place in the schema when the base has none). */
const REFERENCES = [
  (d: string) => `<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>ABC2023000000001</cbc:ID><cbc:IssueDate>${d}</cbc:IssueDate><cbc:DocumentTypeCode>IADE</cbc:DocumentTypeCode></cac:InvoiceDocumentReference></cac:BillingReference>`,
  (d: string) => `<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>ABC20230000001</cbc:ID><cbc:IssueDate>${d}</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference>`,
  (d: string) => `<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>1</cbc:ID><cbc:IssueDate>${d}</cbc:IssueDate></cac:InvoiceDocumentReference><cac:AdditionalDocumentReference><cbc:ID>1</cbc:ID><cbc:IssueDate>${d}</cbc:IssueDate><cbc:DocumentTypeCode>OKCBF</cbc:DocumentTypeCode><cbc:DocumentType>OKCBilgiFisi</cbc:DocumentType><cbc:DocumentDescription>AVANS</cbc:DocumentDescription></cac:AdditionalDocumentReference></cac:BillingReference>`,
  (d: string) => `<cac:DespatchDocumentReference><cbc:ID>IRS2024000000001</cbc:ID><cbc:IssueDate>${d}</cbc:IssueDate></cac:DespatchDocumentReference>`,
  (d: string) => `<cac:AdditionalDocumentReference><cbc:ID>x</cbc:ID><cbc:IssueDate>${d}</cbc:IssueDate><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/xml" filename="a.xslt" encodingCode="Base64" characterSetCode="UTF-8">QUJD</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>`,
];

const EDITS = ['text', 'attr', 'remove', 'profile', 'type', 'profile×type', 'date', 'id', 'uuid', 'withholding', 'exemption', 'taxcode',
  'party', 'currency', 'signature', 'reference'] as const;

/** `count` variants of `bases`, deterministic for a seed. */
export function invoiceVariants(bases: readonly string[], count: number, seed: number): InvoiceVariant[] {
  const random = rng(seed);
  const out: InvoiceVariant[] = [];
  for (let i = 0; i < count; i++) {
    const edit = random.pick(EDITS);
    let text = edit === 'signature' ? bases.find((b) => b.includes('<ds:Signature'))! : random.pick(bases);
    const doc = libxml.parseXml(text);
    const top = (local: string): libxml.Element | null => doc.get(`/*/*[local-name()="${local}"]`) as libxml.Element | null;
    const setTop = (local: string, value: string): void => void top(local)?.text(value);
    const all = doc.find('//*[not(ancestor-or-self::*[local-name()="EmbeddedDocumentBinaryObject"])]') as libxml.Element[];
    const el = all[random.int(1, all.length)]!;
    const leaf = !el.childNodes().some((c) => c.type() === 'element');
    switch (edit) {
      case 'text': if (leaf) el.text(random.pick(VALUES)); break;
      case 'attr': if (el.attrs().length) el.attrs()[0]!.value(random.pick(VALUES)); break;
      case 'remove': el.remove(); break;
      case 'profile': setTop('ProfileID', random.pick(PROFILES)); break;
      case 'type': setTop('InvoiceTypeCode', random.pick(TYPES)); break;
      case 'profile×type': setTop('ProfileID', random.pick(PROFILES)); setTop('InvoiceTypeCode', random.pick(TYPES)); break;
      case 'date': setTop('IssueDate', random.pick(DATES)); break;
      case 'id': setTop('ID', random.pick(NUMBERS)); break;
      case 'uuid': setTop('UUID', random.pick(UUIDS)); break;
      case 'taxcode': {
        const codes = doc.find('//*[local-name()="TaxTypeCode"]') as libxml.Element[];
        if (codes.length) random.pick(codes).text(random.pick(TAX_CODES));
        break;
      }
      case 'currency': {
        const c = random.pick(CURRENCIES);
        if (random.chance(0.5)) setTop('DocumentCurrencyCode', c);
        else for (const a of doc.find('//@currencyID') as libxml.Attribute[]) a.value(c);
        break;
      }
      case 'party': {
        const role = random.pick(['AccountingSupplierParty', 'AccountingCustomerParty', 'BuyerCustomerParty']);
        const party = doc.get(`/*/*[local-name()="${role}"]/*[local-name()="Party"]`) as libxml.Element | null;
        if (!party) break;
        const kind = random.int(0, 4);
        const id = party.get('*[local-name()="PartyIdentification"]/*[local-name()="ID"]') as libxml.Element | null;
        if (kind === 0 && id) {
          const [scheme, value] = random.pick(PARTY_IDS);
          id.attr({ schemeID: scheme! });
          id.text(value!);
        } else if (kind === 1) (party.get('*[local-name()="PartyName"]') as libxml.Element | null)?.remove();
        else if (kind === 2) (party.get('*[local-name()="Person"]/*') as libxml.Element | null)?.text(random.pick(['', ' ', 'Ad']));
        else if (id) (id.parent() as libxml.Element).addNextSibling((id.parent() as libxml.Element).clone() as libxml.Element);
        break;
      }
      case 'signature': {
        const inSig = doc.find('//*[local-name()="Signature" and namespace-uri()="http://www.w3.org/2000/09/xmldsig#"]//*') as libxml.Element[];
        const target = random.pick(inSig);
        if (random.chance(0.5)) target.remove();
        else if (target.attrs().length) target.attrs()[0]!.value(random.pick(['', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', '#x']));
        else if (!target.childNodes().some((c) => c.type() === 'element')) target.text(random.pick(['', ' ', 'x']));
        break;
      }
      default:
        break;
    }
    text = doc.toString();
    if (edit === 'withholding') {
      const [code, percent] = random.pick(WITHHOLDING);
      text = text.replace(/<cac:LegalMonetaryTotal>/, `${withholding(code!, percent!)}<cac:LegalMonetaryTotal>`);
    } else if (edit === 'exemption') {
      const code = random.pick(EXEMPTIONS);
      text = text.replace(/(<cac:TaxTotal>[\s\S]*?<cac:TaxCategory>)/, `$1<cbc:TaxExemptionReasonCode>${code}</cbc:TaxExemptionReasonCode><cbc:TaxExemptionReason>Muafiyet</cbc:TaxExemptionReason>`);
    } else if (edit === 'reference') {
      text = text.replace(/<cac:Signature>/, `${random.pick(REFERENCES)(random.pick(DATES))}<cac:Signature>`);
    }
    const byProfile = /<cbc:ProfileID>EARSIVFATURA</.test(text) ? 'EARSIV' : 'EFATURA';
    const channel = random.int(0, 6) === 0 ? (byProfile === 'EARSIV' ? 'EFATURA' : 'EARSIV') : byProfile;
    out.push({ name: `v${String(i).padStart(4, '0')}.xml`, edit, text, channel });
  }
  return out;
}
