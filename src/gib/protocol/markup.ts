/**
 * Small pieces shared by the builders and parsers of the GİB codec: namespaces, escaping, GİB's time format, and
 * strict readers over the tree of src/xml (the one XML parser of the project).
 */
import { TURKEY_OFFSET_MS } from '../../turkish-time';
import { DOCUMENT_LIMITS, parseXml, type XmlDocument, type XmlElement, type XmlLimits } from '../../xml/parse';
import { childrenNamed, firstChild } from '../../xml/query';
import { GibProtocolError, gibErrorFromXml, invalidField } from './errors';

export { NS } from '../../xml/namespaces';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

// --- escaping -------------------------------------------------------------------------------------------------

/** Characters XML 1.0 does not allow at all (C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
const ILLEGAL = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkLegal(s: string, field: string): void {
  if (ILLEGAL.test(s)) throw invalidField(field, 'XML 1.0 içinde kullanılamayan karakter');
}

/**
 * Character data: `&`, `<`, `>` as GİB lists them (Entegrasyon Kılavuzu v1.10 §4.3); CR as `&#13;` so that a
 * parser's line-end normalisation gives back the same string.
 */
export function escapeText(s: string, field = 'text'): string {
  checkLegal(s, field);
  return /[&<>\r]/.test(s) ? s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;')) : s;
}

/** Attribute values in double quotes; white space as references so attribute normalisation keeps it. */
export function escapeAttr(s: string, field = 'attribute'): string {
  checkLegal(s, field);
  return s.replace(/[&<"\t\n\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '"' ? '&quot;' : c === '\t' ? '&#9;' : c === '\n' ? '&#10;' : '&#13;',
  );
}

/** `<name>text</name>`, the text escaped. */
export function leaf(name: string, text: string, field = name): string {
  return `<${name}>${escapeText(text, field)}</${name}>`;
}

// --- values GİB checks ----------------------------------------------------------------------------------------

/** GİB's UUIDCheck (UBL-TR_Common_Schematron.xml): 8-4-4-4-12 hexadecimal digits, either case. */
export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** VKN (10 digits) or TCKN (11 digits): GİB's ContactCheck and PartyIdentificationTCKNVKNCheck. */
export const VKN_TCKN_RE = /^[0-9]{10,11}$/;

export function requireUuid(value: string, field: string): string {
  if (!UUID_RE.test(value)) throw invalidField(field, 'UUID biçiminde olmalı');
  return value;
}

export function requireVknTckn(value: string, field: string): string {
  if (!VKN_TCKN_RE.test(value)) throw invalidField(field, '10 haneli VKN veya 11 haneli TCKN olmalı');
  return value;
}

export function requireText(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '') throw invalidField(field, 'boş olamaz');
  return value;
}

// --- time -----------------------------------------------------------------------------------------------------

/**
 * GİB writes times as Turkish wall-clock time without an offset (every sample: CreationDateAndTime
 * `2013-06-19T14:47:55`, IssueTime `14:47:58`). Turkey has kept UTC+3 all year since September 2016, so a Date
 * is shown in UTC+3; a string is taken as written (already in GİB's form) once its shape is checked.
 */

export interface TurkishTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:mm:ss */
  time: string;
  /** YYYY-MM-DDTHH:mm:ss */
  dateTime: string;
}

export function turkishTime(d: Date): TurkishTime {
  if (Number.isNaN(d.getTime())) throw invalidField('date', 'geçersiz tarih');
  const iso = new Date(d.getTime() + TURKEY_OFFSET_MS).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  return { date, time, dateTime: `${date}T${time}` };
}

const DATE_TIME_RE = /^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;
const DATE_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const TIME_RE = /^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/;

/** An xs:dateTime for the document: a Date in Turkish time, or a string already in that form. */
export function dateTimeValue(value: Date | string, field: string): string {
  if (typeof value !== 'string') return turkishTime(value).dateTime;
  if (!DATE_TIME_RE.test(value)) throw invalidField(field, 'xs:dateTime biçiminde olmalı (YYYY-AA-GGTSS:DD:ss)');
  return value;
}

/** An xs:date (YYYY-MM-DD). */
export function dateValue(value: Date | string, field: string): string {
  if (typeof value !== 'string') return turkishTime(value).date;
  if (!DATE_RE.test(value)) throw invalidField(field, 'YYYY-AA-GG biçiminde olmalı');
  return value;
}

/** An xs:time (HH:mm:ss). */
export function timeValue(value: string, field: string): string {
  if (!TIME_RE.test(value)) throw invalidField(field, 'SS:DD:ss biçiminde olmalı');
  return value;
}

// --- reading the light tree -----------------------------------------------------------------------------------

/**
 * The parsers' structural errors. A document that parses but lacks what GİB's schema requires is reported the way
 * GİB would report it: 1160 XML SEMA KONTROLUNDEN GECEMEDI (Ek-2 §4).
 */
export function schemaError(detail: string): GibProtocolError {
  return new GibProtocolError(1160, detail);
}

export function child(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return firstChild(el, ns, local);
}

export function children(el: XmlElement, ns: string, local: string): XmlElement[] {
  return childrenNamed(el, ns, local);
}

/** The one child `local`, or 1160 naming the path. */
export function required(el: XmlElement, ns: string, local: string, path: string): XmlElement {
  const c = firstChild(el, ns, local);
  if (!c) throw schemaError(`${path}/${local} bulunamadı`);
  return c;
}

/** Trimmed text of a child element, '' when absent. */
export function childText(el: XmlElement, ns: string, local: string): string {
  return firstChild(el, ns, local)?.text.trim() ?? '';
}

/** Trimmed text of a required child element (present, possibly empty). */
export function requiredText(el: XmlElement, ns: string, local: string, path: string): string {
  return required(el, ns, local, path).text.trim();
}

export function is(el: XmlElement, ns: string, local: string): boolean {
  return el.ns === ns && el.local === local;
}

/** Expanded name for messages: `{ns}local`, or just `local` for GİB's unqualified names. */
export function nameOf(el: XmlElement): string {
  return el.ns ? `{${el.ns}}${el.local}` : el.local;
}

/**
 * Where the document proper starts in a serialised XML file: after a UTF-8 byte order mark, the XML declaration
 * and the white space after it. Everything from there on is kept byte for byte.
 */
export function bodyStart(bytes: Buffer): number {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.toString('latin1', i, i + 5) === '<?xml' && /[ \t\r\n?]/.test(String.fromCharCode(bytes[i + 5] ?? 0))) {
    const end = bytes.indexOf('?>', i, 'latin1');
    if (end !== -1) i = end + 2;
  }
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return i;
}

/** Parses a document GİB's side sent; what is not well-formed XML becomes GİB's own code (1132/1140). */
export function parseGibXml(xml: Buffer, limits: Partial<XmlLimits> = DOCUMENT_LIMITS): XmlDocument {
  try {
    return parseXml(xml, limits);
  } catch (err) {
    throw gibErrorFromXml(err);
  }
}
