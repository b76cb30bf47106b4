/**
 * A valid UBL-TR 1.2.1 invoice for tests and benchmarks: passes GİB's XSD (as an unsigned invoice: the empty
 * ExtensionContent is where the gateway's signer puts ds:Signature) and the gateway's rules in src/validation,
 * with N lines whose amounts add up exactly. Plain string building, so 500 lines take well under a millisecond.
 */
import { randomInt, randomUUID } from 'node:crypto';

export interface MakeInvoiceOptions {
  /** cbc:ProfileID; TEMELFATURA by default, EARSIVFATURA for e-Arşiv. */
  profile?: string;
  /** Number of invoice lines (1 by default). */
  lines?: number;
  supplierVkn?: string;
  /** 10 digits → VKN (a company), 11 → TCKN (a person). Default: a VKN, or 11111111111 on e-Arşiv. */
  customerVkn?: string;
  /** cbc:ID; null leaves it empty for the gateway to assign. Default: a fresh valid number. */
  number?: string | null;
  /** cbc:UUID; a random UUID by default. */
  ettn?: string;
  /** YYYY-MM-DD; today in Türkiye by default. */
  issueDate?: string;
  /** KDV percent, 20 by default (18 before July 2023). */
  kdvRate?: number;
  /** cbc:InvoiceTypeCode, SATIS by default. */
  typeCode?: string;
}

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
const EXT = 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2';

let sequence = randomInt(1, 500_000_000);

function today(): string {
  return new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 10);
}

/** Kuruş (integer) → "123.45". */
function money(kurus: number): string {
  return `${Math.trunc(kurus / 100)}.${String(kurus % 100).padStart(2, '0')}`;
}

function party(id: string, name: string): string {
  const isPerson = id.length === 11;
  const scheme = isPerson ? 'TCKN' : 'VKN';
  const nameXml = isPerson ? '' : `<cac:PartyName><cbc:Name>${name}</cbc:Name></cac:PartyName>`;
  const personXml = isPerson ? '<cac:Person><cbc:FirstName>Ayşe</cbc:FirstName><cbc:FamilyName>Yılmaz</cbc:FamilyName></cac:Person>' : '';
  const taxScheme = isPerson ? '' : '<cac:PartyTaxScheme><cac:TaxScheme><cbc:Name>Beşiktaş</cbc:Name></cac:TaxScheme></cac:PartyTaxScheme>';
  return `<cac:Party><cac:PartyIdentification><cbc:ID schemeID="${scheme}">${id}</cbc:ID></cac:PartyIdentification>${nameXml}` +
    '<cac:PostalAddress><cbc:StreetName>Papatya Caddesi</cbc:StreetName><cbc:BuildingNumber>21</cbc:BuildingNumber>' +
    '<cbc:CitySubdivisionName>Beşiktaş</cbc:CitySubdivisionName><cbc:CityName>İstanbul</cbc:CityName><cbc:PostalZone>34100</cbc:PostalZone>' +
    `<cac:Country><cbc:IdentificationCode>TR</cbc:IdentificationCode><cbc:Name>Türkiye</cbc:Name></cac:Country></cac:PostalAddress>${taxScheme}${personXml}</cac:Party>`;
}

export function makeInvoice(opts: MakeInvoiceOptions = {}): string {
  const profile = opts.profile ?? 'TEMELFATURA';
  const earsiv = profile === 'EARSIVFATURA';
  const lineCount = Math.max(1, opts.lines ?? 1);
  const supplier = opts.supplierVkn ?? '1234567801';
  const customer = opts.customerVkn ?? (earsiv ? '11111111111' : '9876543210');
  const issueDate = opts.issueDate ?? today();
  const rate = opts.kdvRate ?? 20;
  const typeCode = opts.typeCode ?? 'SATIS';
  const ettn = opts.ettn ?? randomUUID().toUpperCase();
  let number = opts.number;
  if (number === undefined) {
    sequence = (sequence % 999_999_999) + 1;
    number = `${earsiv ? 'EAR' : 'EFT'}${issueDate.slice(0, 4)}${String(sequence).padStart(9, '0')}`;
  }

  // Amounts in kuruş (integers), so every total is exact: LEA = qty × price; tax rounded half up per line.
  let lineTotal = 0;
  let taxTotal = 0;
  const lines: string[] = [];
  for (let i = 1; i <= lineCount; i++) {
    const qty = (i % 7) + 1;
    const price = 1050 + ((i * 125) % 10_000); // 10.50 … 110.25
    const lea = qty * price;
    const tax = Math.floor((lea * rate + 50) / 100);
    lineTotal += lea;
    taxTotal += tax;
    lines.push(
      `<cac:InvoiceLine><cbc:ID>${i}</cbc:ID><cbc:InvoicedQuantity unitCode="C62">${qty}</cbc:InvoicedQuantity>` +
      `<cbc:LineExtensionAmount currencyID="TRY">${money(lea)}</cbc:LineExtensionAmount>` +
      `<cac:TaxTotal><cbc:TaxAmount currencyID="TRY">${money(tax)}</cbc:TaxAmount><cac:TaxSubtotal>` +
      `<cbc:TaxableAmount currencyID="TRY">${money(lea)}</cbc:TaxableAmount><cbc:TaxAmount currencyID="TRY">${money(tax)}</cbc:TaxAmount>` +
      `<cbc:Percent>${rate}</cbc:Percent><cac:TaxCategory><cac:TaxScheme><cbc:Name>KDV</cbc:Name><cbc:TaxTypeCode>0015</cbc:TaxTypeCode></cac:TaxScheme></cac:TaxCategory>` +
      `</cac:TaxSubtotal></cac:TaxTotal><cac:Item><cbc:Name>Ürün ${i}</cbc:Name></cac:Item>` +
      `<cac:Price><cbc:PriceAmount currencyID="TRY">${money(price)}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>`,
    );
  }
  const inclusive = lineTotal + taxTotal;

  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="${CAC}" xmlns:cbc="${CBC}" xmlns:ext="${EXT}">` +
    '<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent/></ext:UBLExtension></ext:UBLExtensions>' +
    '<cbc:UBLVersionID>2.1</cbc:UBLVersionID><cbc:CustomizationID>TR1.2</cbc:CustomizationID>' +
    `<cbc:ProfileID>${profile}</cbc:ProfileID>` +
    (number === null ? '<cbc:ID/>' : `<cbc:ID>${number}</cbc:ID>`) +
    `<cbc:CopyIndicator>false</cbc:CopyIndicator><cbc:UUID>${ettn}</cbc:UUID><cbc:IssueDate>${issueDate}</cbc:IssueDate>` +
    `<cbc:IssueTime>10:00:00</cbc:IssueTime><cbc:InvoiceTypeCode>${typeCode}</cbc:InvoiceTypeCode>` +
    `<cbc:DocumentCurrencyCode>TRY</cbc:DocumentCurrencyCode><cbc:LineCountNumeric>${lineCount}</cbc:LineCountNumeric>` +
    `<cac:Signature><cbc:ID schemeID="VKN_TCKN">${supplier}</cbc:ID><cac:SignatoryParty><cac:PartyIdentification><cbc:ID schemeID="${supplier.length === 11 ? 'TCKN' : 'VKN'}">${supplier}</cbc:ID></cac:PartyIdentification>` +
    '<cac:PostalAddress><cbc:CitySubdivisionName>Beşiktaş</cbc:CitySubdivisionName><cbc:CityName>İstanbul</cbc:CityName><cac:Country><cbc:Name>Türkiye</cbc:Name></cac:Country></cac:PostalAddress>' +
    '</cac:SignatoryParty><cac:DigitalSignatureAttachment><cac:ExternalReference><cbc:URI>#Signature</cbc:URI></cac:ExternalReference></cac:DigitalSignatureAttachment></cac:Signature>' +
    `<cac:AccountingSupplierParty>${party(supplier, 'Tedarikçi Anonim Şirketi')}</cac:AccountingSupplierParty>` +
    `<cac:AccountingCustomerParty>${party(customer, 'Alıcı Limited Şirketi')}</cac:AccountingCustomerParty>` +
    `<cac:TaxTotal><cbc:TaxAmount currencyID="TRY">${money(taxTotal)}</cbc:TaxAmount><cac:TaxSubtotal>` +
    `<cbc:TaxableAmount currencyID="TRY">${money(lineTotal)}</cbc:TaxableAmount><cbc:TaxAmount currencyID="TRY">${money(taxTotal)}</cbc:TaxAmount>` +
    `<cbc:Percent>${rate}</cbc:Percent><cac:TaxCategory><cac:TaxScheme><cbc:Name>KDV</cbc:Name><cbc:TaxTypeCode>0015</cbc:TaxTypeCode></cac:TaxScheme></cac:TaxCategory>` +
    '</cac:TaxSubtotal></cac:TaxTotal>' +
    `<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="TRY">${money(lineTotal)}</cbc:LineExtensionAmount>` +
    `<cbc:TaxExclusiveAmount currencyID="TRY">${money(lineTotal)}</cbc:TaxExclusiveAmount>` +
    `<cbc:TaxInclusiveAmount currencyID="TRY">${money(inclusive)}</cbc:TaxInclusiveAmount>` +
    `<cbc:PayableAmount currencyID="TRY">${money(inclusive)}</cbc:PayableAmount></cac:LegalMonetaryTotal>` +
    lines.join('') +
    '</Invoice>';
}
