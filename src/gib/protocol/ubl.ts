/**
 * What the two kinds of UBL ApplicationResponse share — the system response (Ek-2) and the KABUL/RED response to
 * a commercial invoice: the parties, the header fields, and reading them back. Element order follows GİB's UBL-TR
 * 1.2.1 schemas (../shared/gib/ubl-tr-1.2.1/xsdrt/common/UBL-CommonAggregateComponents-2.1.xsd: PartyType,
 * AddressType, CountryType, PersonType), which make PartyIdentification and PostalAddress (with
 * CitySubdivisionName, CityName and Country/Name) mandatory.
 */
import crypto from 'node:crypto';
import type { XmlElement } from '../../xml/parse';
import { invalidField } from './errors';
import {
  NS,
  child,
  childText,
  children,
  dateValue,
  escapeText,
  leaf,
  required,
  requiredText,
  requireText,
  requireVknTckn,
  schemaError,
  timeValue,
  turkishTime,
} from './markup';

export interface UblAddress {
  street?: string;
  buildingNumber?: string;
  /** cbc:CitySubdivisionName (ilçe); the schema requires the element, GİB's own samples leave it empty. */
  citySubdivision?: string;
  /** cbc:CityName (il); as above. */
  city?: string;
  postalZone?: string;
  /** cbc:Country/cbc:Name; default 'Türkiye'. */
  country?: string;
  /** cbc:Country/cbc:IdentificationCode; default 'TR'. */
  countryCode?: string;
}

export interface UblParty {
  /** cac:PartyIdentification/cbc:ID with schemeID VKN (10 digits) or TCKN (11 digits). */
  vknTckn: string;
  /** cac:PartyName/cbc:Name: the title; GİB requires it of a VKN party in KABUL/RED responses. */
  name?: string;
  /** cac:Person: GİB requires it of a TCKN party in KABUL/RED responses. */
  person?: { firstName: string; familyName: string; middleName?: string };
  address?: UblAddress;
  /** cac:PartyTaxScheme/cac:TaxScheme/cbc:Name: the tax office. */
  taxOffice?: string;
}

export interface ParsedUblParty {
  /** The VKN or TCKN identification ('' when there is none). */
  vknTckn: string;
  scheme: 'VKN' | 'TCKN' | '';
  /** Every PartyIdentification/ID with its schemeID (GTB's sample adds GTB_REFNO). */
  identifications: Array<{ scheme: string; id: string }>;
  name?: string;
  person?: { firstName: string; familyName: string; middleName?: string };
  address?: UblAddress;
  taxOffice?: string;
}

export function checkUblParty(p: UblParty, field: string): void {
  requireVknTckn(p.vknTckn, `${field}.vknTckn`);
  if (p.name !== undefined) requireText(p.name, `${field}.name`);
  if (p.person) {
    requireText(p.person.firstName, `${field}.person.firstName`);
    requireText(p.person.familyName, `${field}.person.familyName`);
  }
}

function opt(name: string, value: string | undefined, field: string): string {
  return value === undefined ? '' : leaf(name, value, field);
}

/** A cac:SenderParty / cac:ReceiverParty (`tag`) in UBL-TR's PartyType order. */
export function ublParty(tag: string, p: UblParty, field: string): string {
  const scheme = p.vknTckn.length === 11 ? 'TCKN' : 'VKN';
  const a = p.address ?? {};
  const f = (k: string) => `${field}.${k}`;
  return (
    `<${tag}>` +
    `<cac:PartyIdentification><cbc:ID schemeID="${scheme}">${escapeText(p.vknTckn)}</cbc:ID></cac:PartyIdentification>` +
    (p.name !== undefined ? `<cac:PartyName>${leaf('cbc:Name', p.name, f('name'))}</cac:PartyName>` : '') +
    '<cac:PostalAddress>' +
    opt('cbc:StreetName', a.street, f('address.street')) +
    opt('cbc:BuildingNumber', a.buildingNumber, f('address.buildingNumber')) +
    leaf('cbc:CitySubdivisionName', a.citySubdivision ?? '', f('address.citySubdivision')) +
    leaf('cbc:CityName', a.city ?? '', f('address.city')) +
    opt('cbc:PostalZone', a.postalZone, f('address.postalZone')) +
    '<cac:Country>' +
    leaf('cbc:IdentificationCode', a.countryCode ?? 'TR', f('address.countryCode')) +
    leaf('cbc:Name', a.country ?? 'Türkiye', f('address.country')) +
    '</cac:Country>' +
    '</cac:PostalAddress>' +
    (p.taxOffice !== undefined ? `<cac:PartyTaxScheme><cac:TaxScheme>${leaf('cbc:Name', p.taxOffice, f('taxOffice'))}</cac:TaxScheme></cac:PartyTaxScheme>` : '') +
    (p.person
      ? '<cac:Person>' +
        leaf('cbc:FirstName', p.person.firstName, f('person.firstName')) +
        leaf('cbc:FamilyName', p.person.familyName, f('person.familyName')) +
        opt('cbc:MiddleName', p.person.middleName, f('person.middleName')) +
        '</cac:Person>'
      : '') +
    `</${tag}>`
  );
}

export function readUblParty(el: XmlElement): ParsedUblParty {
  const identifications = children(el, NS.cac, 'PartyIdentification').map((pi) => {
    const id = child(pi, NS.cbc, 'ID');
    return { scheme: id?.attrs.find((a) => a.local === 'schemeID' && a.ns === '')?.value ?? '', id: id?.text.trim() ?? '' };
  });
  const main = identifications.find((i) => i.scheme === 'VKN' || i.scheme === 'TCKN');
  const out: ParsedUblParty = { vknTckn: main?.id ?? '', scheme: (main?.scheme as 'VKN' | 'TCKN' | undefined) ?? '', identifications };
  const pn = child(el, NS.cac, 'PartyName');
  if (pn) out.name = childText(pn, NS.cbc, 'Name');
  const addr = child(el, NS.cac, 'PostalAddress');
  if (addr) {
    const country = child(addr, NS.cac, 'Country');
    const a: UblAddress = {};
    const set = (k: keyof UblAddress, parent: XmlElement | undefined, local: string): void => {
      const c = parent && child(parent, NS.cbc, local);
      if (c) a[k] = c.text.trim();
    };
    set('street', addr, 'StreetName');
    set('buildingNumber', addr, 'BuildingNumber');
    set('citySubdivision', addr, 'CitySubdivisionName');
    set('city', addr, 'CityName');
    set('postalZone', addr, 'PostalZone');
    set('countryCode', country, 'IdentificationCode');
    set('country', country, 'Name');
    out.address = a;
  }
  const pts = child(el, NS.cac, 'PartyTaxScheme');
  const ts = pts && child(pts, NS.cac, 'TaxScheme');
  if (ts && child(ts, NS.cbc, 'Name')) out.taxOffice = childText(ts, NS.cbc, 'Name');
  const person = child(el, NS.cac, 'Person');
  if (person) {
    const middle = child(person, NS.cbc, 'MiddleName');
    out.person = {
      firstName: childText(person, NS.cbc, 'FirstName'),
      familyName: childText(person, NS.cbc, 'FamilyName'),
      ...(middle ? { middleName: middle.text.trim() } : {}),
    };
  }
  return out;
}

/** The header fields every ApplicationResponse has (UBL 2.1 ApplicationResponseType). */
export interface ParsedUblHeader {
  ublVersion: string;
  customizationId: string;
  profileId: string;
  id: string;
  uuid: string;
  issueDate: string;
  issueTime?: string;
  notes: string[];
}

export function readUblHeader(root: XmlElement): ParsedUblHeader {
  const path = 'ApplicationResponse';
  const issueTime = child(root, NS.cbc, 'IssueTime');
  return {
    ublVersion: requiredText(root, NS.cbc, 'UBLVersionID', path),
    customizationId: requiredText(root, NS.cbc, 'CustomizationID', path),
    profileId: requiredText(root, NS.cbc, 'ProfileID', path),
    id: requiredText(root, NS.cbc, 'ID', path),
    uuid: requiredText(root, NS.cbc, 'UUID', path),
    issueDate: requiredText(root, NS.cbc, 'IssueDate', path),
    ...(issueTime ? { issueTime: issueTime.text.trim() } : {}),
    notes: children(root, NS.cbc, 'Note').map((n) => n.text),
  };
}

export function readParties(root: XmlElement): { sender: ParsedUblParty; receiver: ParsedUblParty } {
  return {
    sender: readUblParty(required(root, NS.cac, 'SenderParty', 'ApplicationResponse')),
    receiver: readUblParty(required(root, NS.cac, 'ReceiverParty', 'ApplicationResponse')),
  };
}

/** The one cac:DocumentResponse GİB allows (DocumentResponseCountCheck). */
export function documentResponse(root: XmlElement): XmlElement {
  const all = children(root, NS.cac, 'DocumentResponse');
  if (all.length === 0) throw schemaError('ApplicationResponse/cac:DocumentResponse bulunamadı');
  return all[0]!;
}

/**
 * A UUID derived from another one and a label, for the IDs a response needs beyond its own (Response/ReferenceID,
 * "Response elemanını tekil olarak tanımlayan numara", Ek-2 §3.14): a name-based UUID (RFC 9562 §5.5, version 5,
 * SHA-1) keeps the builders pure — the same input gives the same document — while the IDs stay unique.
 */
export function derivedUuid(base: string, label: string): string {
  const h = crypto.createHash('sha1').update(`${base.toLowerCase()}/${label}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const APR_OPEN =
  `<ApplicationResponse xmlns="${NS.apr}" xmlns:cac="${NS.cac}" xmlns:cbc="${NS.cbc}" xmlns:ext="${NS.ext}" xmlns:xsi="${NS.xsi}"` +
  // ApplicationResponseProfileIDCheck: a schemaLocation, when present, names UBL-ApplicationResponse-2.1.xsd
  // (Ek-2 §2 for UBL 2.1).
  ` xsi:schemaLocation="${NS.apr} UBL-ApplicationResponse-2.1.xsd">`;

export function checkNoteList(notes: readonly string[] | undefined, field: string): readonly string[] {
  const list = notes ?? [];
  list.forEach((n, i) => {
    if (typeof n !== 'string') throw invalidField(`${field}[${i}]`, 'metin olmalı');
  });
  return list;
}

/** IssueDate and IssueTime from a Date (Turkish time, as GİB writes them) or from the strings as they should appear. */
export function issueDateTime(v: Date | { date: string; time?: string }, field: string): { date: string; time?: string } {
  if (v instanceof Date) {
    const t = turkishTime(v);
    return { date: t.date, time: t.time };
  }
  return { date: dateValue(v.date, `${field}.date`), ...(v.time !== undefined ? { time: timeValue(v.time, `${field}.time`) } : {}) };
}
