/**
 * The one reader of what a UBL-TR invoice says about itself: the fields the gateway's three readers need, read
 * once from the parsed tree — SendInvoice's rules (src/validation/ubl-tr/rules.ts), the inbox of an incoming
 * envelope (src/services/gib-inbound.service.ts) and the daily e-Arşiv report's line (src/gib/protocol/
 * earsiv-report-lines.ts). It checks nothing and trims nothing: each field is the element's text as written, or
 * undefined when the element is absent, and each caller holds it to its own rule with its own fault (GİB's
 * schematron compares values untrimmed, the inbox reads what GİB already checked, the report rounds amounts).
 */
import { NS } from '../xml/namespaces';
import type { XmlElement } from '../xml/parse';
import { attrValue, childrenNamed, firstChild } from '../xml/query';

const { cbc: CBC, cac: CAC, ext: EXT, ds: DS } = NS;

export interface UblPartyFields {
  /** Every cac:PartyIdentification/cbc:ID, with its schemeID (VKN, TCKN, MERSISNO, …), in document order. */
  ids: Array<{ scheme: string | undefined; value: string }>;
  /** cac:PartyName/cbc:Name */
  name: string | undefined;
  /** cac:PartyName is there (with or without a cbc:Name). */
  hasPartyName: boolean;
  /** cac:Person */
  person: { firstName: string | undefined; middleName: string | undefined; familyName: string | undefined } | undefined;
  /** cac:Contact/cbc:ElectronicMail (e-Arşiv: where the invoice is mailed). */
  email: string | undefined;
}

/** cac:AccountingSupplierParty / cac:AccountingCustomerParty: whether the holder is there, and its cac:Party. */
export interface UblPartyHolder {
  present: boolean;
  party: UblPartyFields | undefined;
}

export interface UblInvoiceFields {
  ublVersionId: string | undefined;
  customizationId: string | undefined;
  profileId: string | undefined;
  /** cbc:ID, the invoice number. */
  id: string | undefined;
  /** cbc:UUID, the ETTN. */
  uuid: string | undefined;
  issueDate: string | undefined;
  issueTime: string | undefined;
  typeCode: string | undefined;
  currency: string | undefined;
  supplier: UblPartyHolder;
  customer: UblPartyHolder;
  /** cac:LegalMonetaryTotal, when present. */
  totals: { payable: string | undefined; lineExtension: string | undefined; allowanceTotal: string | undefined } | undefined;
  lineCount: number;
  /** ds:Signature in ext:UBLExtensions (the sender signed it already). */
  hasSignature: boolean;
}

function text(el: XmlElement | undefined, local: string): string | undefined {
  return el ? firstChild(el, CBC, local)?.text : undefined;
}

function partyHolder(root: XmlElement, role: 'AccountingSupplierParty' | 'AccountingCustomerParty'): UblPartyHolder {
  const holder = firstChild(root, CAC, role);
  const p = holder && firstChild(holder, CAC, 'Party');
  if (!p) return { present: holder !== undefined, party: undefined };
  const ids: UblPartyFields['ids'] = [];
  for (const pi of childrenNamed(p, CAC, 'PartyIdentification')) {
    const id = firstChild(pi, CBC, 'ID');
    if (id) ids.push({ scheme: attrValue(id, 'schemeID'), value: id.text });
  }
  const person = firstChild(p, CAC, 'Person');
  const partyName = firstChild(p, CAC, 'PartyName');
  return {
    present: true,
    party: {
      ids,
      name: text(partyName, 'Name'),
      hasPartyName: partyName !== undefined,
      person: person ? { firstName: text(person, 'FirstName'), middleName: text(person, 'MiddleName'), familyName: text(person, 'FamilyName') } : undefined,
      email: text(firstChild(p, CAC, 'Contact'), 'ElectronicMail'),
    },
  };
}

/** ds:Signature in Invoice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent. */
export function hasSignature(root: XmlElement): boolean {
  const exts = firstChild(root, EXT, 'UBLExtensions');
  if (!exts) return false;
  for (const ext of childrenNamed(exts, EXT, 'UBLExtension')) {
    const content = firstChild(ext, EXT, 'ExtensionContent');
    if (content && firstChild(content, DS, 'Signature')) return true;
  }
  return false;
}

/** The fields of an invoice whose root element is `root` (a document's root, or an invoice inside an envelope). */
export function readInvoiceFields(root: XmlElement): UblInvoiceFields {
  const totals = firstChild(root, CAC, 'LegalMonetaryTotal');
  return {
    ublVersionId: text(root, 'UBLVersionID'),
    customizationId: text(root, 'CustomizationID'),
    profileId: text(root, 'ProfileID'),
    id: text(root, 'ID'),
    uuid: text(root, 'UUID'),
    issueDate: text(root, 'IssueDate'),
    issueTime: text(root, 'IssueTime'),
    typeCode: text(root, 'InvoiceTypeCode'),
    currency: text(root, 'DocumentCurrencyCode'),
    supplier: partyHolder(root, 'AccountingSupplierParty'),
    customer: partyHolder(root, 'AccountingCustomerParty'),
    totals: totals ? { payable: text(totals, 'PayableAmount'), lineExtension: text(totals, 'LineExtensionAmount'), allowanceTotal: text(totals, 'AllowanceTotalAmount') } : undefined,
    lineCount: childrenNamed(root, CAC, 'InvoiceLine').length,
    hasSignature: hasSignature(root),
  };
}

/** The party's VKN or TCKN identification (schemeID VKN or TCKN), the first one. */
export function taxIdOf(party: UblPartyFields): { scheme: 'VKN' | 'TCKN'; value: string } | undefined {
  const id = party.ids.find((i) => i.scheme === 'VKN' || i.scheme === 'TCKN');
  return id ? { scheme: id.scheme as 'VKN' | 'TCKN', value: id.value } : undefined;
}
