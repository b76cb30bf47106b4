/**
 * The envelope (zarf) every e-Fatura document travels in: a GS1 Standard Business Document (SBDH) whose header
 * names the sender and receiver (alias + VKN/TCKN + title) and the envelope (UUID, type, time), and whose
 * ef:Package carries the documents (Ek-1 "Zarf Şema Yapısı" v1.5, ../shared/gib/docs/efatura-Ek-1…txt).
 *
 * The documents inside are kept byte for byte: buildEnvelope inserts each one as it was serialised (only its byte
 * order mark and XML declaration go), and parseEnvelope gives back each one's exact byte range, so a signature made
 * over a document before it was enveloped can still be verified after it has been taken out again.
 *
 * Beyond Ek-1, the builder follows GİB's current envelope rules in the e-Fatura package's schematron
 * (../shared/gib/e-fatura-paketi/schematron/UBL-TR_Common_Schematron.xml, rules HeaderCheck … InvoiceCountCheck),
 * which is stricter than the 2013 samples: TypeVersion must be 1.2, an envelope holds at most 100 invoices, a
 * USERENVELOPE goes only to GİB. `envelopeRuleErrors` runs the same rules over a parsed envelope, in GİB's words.
 */
import { parseXml, type XmlDocument, type XmlElement } from '../../xml/parse';
import { GibProtocolError, invalidField } from './errors';
import {
  bodyStart,
  child,
  children,
  childText,
  dateTimeValue,
  escapeAttr,
  escapeText,
  is,
  leaf,
  nameOf,
  NS,
  parseGibXml,
  required,
  requiredText,
  requireText,
  requireUuid,
  requireVknTckn,
  schemaError,
  UUID_RE,
  XML_DECLARATION,
} from './markup';

export type EnvelopeType = 'SENDERENVELOPE' | 'POSTBOXENVELOPE' | 'SYSTEMENVELOPE' | 'USERENVELOPE';
export type ElementType =
  | 'INVOICE'
  | 'APPLICATIONRESPONSE'
  | 'PROCESSUSERACCOUNT'
  | 'CANCELUSERACCOUNT'
  | 'DESPATCHADVICE'
  | 'RECEIPTADVICE'
  | 'CREDITNOTE';

export const ENVELOPE_TYPES: readonly EnvelopeType[] = ['SENDERENVELOPE', 'POSTBOXENVELOPE', 'SYSTEMENVELOPE', 'USERENVELOPE'];

/** The root element each ElementType must hold (schematron ElementNameCheck; Package_1_2.xsd's imports). */
export const ELEMENT_ROOTS: Readonly<Record<ElementType, { ns: string; local: string }>> = {
  INVOICE: { ns: NS.inv, local: 'Invoice' },
  APPLICATIONRESPONSE: { ns: NS.apr, local: 'ApplicationResponse' },
  PROCESSUSERACCOUNT: { ns: NS.hr, local: 'ProcessUserAccount' },
  CANCELUSERACCOUNT: { ns: NS.hr, local: 'CancelUserAccount' },
  DESPATCHADVICE: { ns: NS.despatch, local: 'DespatchAdvice' },
  RECEIPTADVICE: { ns: NS.receipt, local: 'ReceiptAdvice' },
  CREDITNOTE: { ns: NS.creditNote, local: 'CreditNote' },
};

/**
 * Which documents each envelope type carries: Entegrasyon Kılavuzu v1.10 §4.4 and Özel Entegrasyon Kılavuzu v1.13
 * §4 Tablo-1, as GİB's schematron enforces them (EnvelopeTypeElementTypeCheck).
 */
export const ENVELOPE_ELEMENT_TYPES: Readonly<Record<EnvelopeType, readonly ElementType[]>> = {
  SENDERENVELOPE: ['INVOICE', 'DESPATCHADVICE', 'CREDITNOTE'],
  POSTBOXENVELOPE: ['APPLICATIONRESPONSE', 'RECEIPTADVICE'],
  SYSTEMENVELOPE: ['APPLICATIONRESPONSE'],
  USERENVELOPE: ['PROCESSUSERACCOUNT', 'CANCELUSERACCOUNT'],
};

/** GİB as the receiver of a USERENVELOPE (Özel Entegrasyon Kılavuzu §5.1 items 3.1–3.2; title as in the samples). */
export const GIB_PARTY: Readonly<EnvelopeParty> = Object.freeze({ alias: 'GIB', vknTckn: '3900383669', title: 'Gelir İdaresi Başkanlığı' });

/** Sender aliases GİB accepts on a USERENVELOPE (`UserEnvelopeAliases`, UBL-TR_Codelist.xml; §5.1 item 2.1 table). */
export const USER_ENVELOPE_ALIASES: ReadonlySet<string> = new Set([
  'usergb', 'archive', 'earchive', 'archive_earchive', 'eticket', 'edespatch', 'archive_edespatch', 'esevoucher',
  'epreceipt', 'esevoucher_archive', 'epreceipt_archive', 'erevenue', 'echeck', 'eexchangecert', 'ebreceipt',
  'einsurancecomm',
]);

/**
 * At most 100 invoices in an envelope (InvoiceCountCheck), at most 1000 documents of any other kind
 * (ElementCountCheck).
 */
export const MAX_INVOICES = 100;
export const MAX_ELEMENTS = 1000;

/** Ek-1 §3 / DocumentCheck: for UBL 2.1 the schemaLocation names PackageProxy_1_2.xsd. */
const SCHEMA_LOCATION = `${NS.sh} PackageProxy_1_2.xsd`;

export interface EnvelopeParty {
  /** sh:Identifier: the alias (etiket), `urn:mail:…`; GİB's fixed names ('GIB', 'usergb', …) for user envelopes. */
  alias: string;
  /** The ContactInformation whose ContactTypeIdentifier is VKN_TCKN. */
  vknTckn: string;
  /** The ContactInformation whose ContactTypeIdentifier is UNVAN (the title), when there is one. */
  title?: string;
}

export interface EnvelopeSpec {
  /** InstanceIdentifier: the envelope's UUID, unique in the whole e-Fatura system (Ek-1 §3.1.3). */
  id: string;
  type: EnvelopeType;
  /** CreationDateAndTime: a Date (written in Turkish time) or an xs:dateTime string as it should appear. */
  createdAt: Date | string;
  sender: EnvelopeParty;
  receiver: EnvelopeParty;
  elementType: ElementType;
  /** The documents, each one serialised XML (e.g. a signed invoice); kept byte for byte but for the declaration. */
  elements: readonly Buffer[];
}

/**
 * The envelope as bytes (UTF-8, with an XML declaration).
 * Throws GatewayError REQUEST_FIELD for anything GİB's envelope rules would refuse.
 */
export function buildEnvelope(spec: EnvelopeSpec): Buffer {
  requireUuid(spec.id, 'envelope.id');
  if (!ENVELOPE_TYPES.includes(spec.type)) throw invalidField('envelope.type', `bilinmeyen zarf türü ${spec.type}`);
  const allowed = ENVELOPE_ELEMENT_TYPES[spec.type];
  if (!allowed.includes(spec.elementType)) {
    throw invalidField('envelope.elementType', `${spec.type} zarfı ${allowed.join('/')} taşır, ${spec.elementType} taşımaz`);
  }
  checkParty(spec.sender, 'envelope.sender');
  checkParty(spec.receiver, 'envelope.receiver');
  if (spec.type === 'USERENVELOPE') {
    // EnvelopeTypeElementTypeCheck: a USERENVELOPE goes to GİB only, from one of GİB's fixed sender aliases.
    if (spec.receiver.alias !== GIB_PARTY.alias || spec.receiver.vknTckn !== GIB_PARTY.vknTckn) {
      throw invalidField('envelope.receiver', 'USERENVELOPE yalnızca 3900383669 VKN ve GIB etiketli alıcıya gönderilir');
    }
    if (!USER_ENVELOPE_ALIASES.has(spec.sender.alias.trim())) {
      throw invalidField('envelope.sender.alias', 'USERENVELOPE gönderici etiketi UserEnvelopeAliases listesinde olmalı');
    }
  }
  const max = spec.elementType === 'INVOICE' ? MAX_INVOICES : MAX_ELEMENTS;
  if (spec.elements.length === 0) throw invalidField('envelope.elements', 'en az bir belge olmalı');
  if (spec.elements.length > max) throw invalidField('envelope.elements', `en fazla ${max} belge olabilir`);

  const root = ELEMENT_ROOTS[spec.elementType];
  let singles = 0;
  const bodies = spec.elements.map((bytes, i) => {
    const field = `envelope.elements[${i}]`;
    let doc: XmlDocument;
    try {
      doc = parseXml(bytes);
    } catch (err) {
      throw invalidField(field, `XML olarak okunamadı: ${(err as Error).message}`);
    }
    if (!is(doc.root, root.ns, root.local)) {
      throw invalidField(field, `${spec.elementType} için kök eleman ${root.local} olmalı, ${nameOf(doc.root)} bulundu`);
    }
    // ExportInvoiceCountCheck: an IHRACAT or YOLCUBERABERFATURA invoice travels alone in its envelope.
    const profile = spec.elementType === 'INVOICE' ? childText(doc.root, NS.cbc, 'ProfileID') : '';
    if (profile === 'IHRACAT' || profile === 'YOLCUBERABERFATURA') singles++;
    // Byte order mark and XML declaration out (they cannot stand inside an element); the rest up to the end of the
    // root element as it was — including any processing instruction in front of the root, which a signature over
    // the whole document covers. What follows the root element (white space) is not part of it.
    return bytes.subarray(bodyStart(bytes), doc.root.end);
  });
  if (singles > 0 && spec.elements.length > 1) {
    throw invalidField('envelope.elements', 'IHRACAT veya YOLCUBERABERFATURA faturası zarfta tek başına olmalı');
  }

  const head =
    `${XML_DECLARATION}\n` +
    `<sh:StandardBusinessDocument xsi:schemaLocation="${escapeAttr(SCHEMA_LOCATION)}" xmlns:sh="${NS.sh}" xmlns:ef="${NS.ef}" xmlns:xsi="${NS.xsi}">\n` +
    ' <sh:StandardBusinessDocumentHeader>\n' +
    // HeaderCheck: 1.0 or 1.2; Ek-1 §3.1 and every sample write 1.0.
    `  ${leaf('sh:HeaderVersion', '1.0')}\n` +
    party('sh:Sender', spec.sender) +
    party('sh:Receiver', spec.receiver) +
    '  <sh:DocumentIdentification>\n' +
    // Ek-1 §3.1.3: Standard "UBL-TR"; TypeVersion "1.2" for UBL 2.1 (TypeVersionCheck accepts nothing else now,
    // also for USERENVELOPE, where Özel Entegrasyon Kılavuzu §5.1 still says 1.0). MultipleType is left out: an
    // envelope carries one kind of document.
    `   ${leaf('sh:Standard', 'UBL-TR')}\n` +
    `   ${leaf('sh:TypeVersion', '1.2')}\n` +
    `   ${leaf('sh:InstanceIdentifier', spec.id)}\n` +
    `   ${leaf('sh:Type', spec.type)}\n` +
    `   ${leaf('sh:CreationDateAndTime', dateTimeValue(spec.createdAt, 'envelope.createdAt'))}\n` +
    '  </sh:DocumentIdentification>\n' +
    ' </sh:StandardBusinessDocumentHeader>\n' +
    ' <ef:Package>\n' +
    '  <Elements>\n' +
    `   ${leaf('ElementType', spec.elementType)}\n` +
    `   ${leaf('ElementCount', String(spec.elements.length))}\n` +
    '   <ElementList>\n';
  const tail = '\n   </ElementList>\n  </Elements>\n </ef:Package>\n</sh:StandardBusinessDocument>\n';
  const parts: Buffer[] = [Buffer.from(head, 'utf8')];
  bodies.forEach((b, i) => {
    if (i > 0) parts.push(NEWLINE);
    parts.push(b);
  });
  parts.push(Buffer.from(tail, 'utf8'));
  return Buffer.concat(parts);
}

const NEWLINE = Buffer.from('\n');

function checkParty(p: EnvelopeParty, field: string): void {
  requireText(p.alias, `${field}.alias`);
  requireVknTckn(p.vknTckn, `${field}.vknTckn`);
  if (p.title !== undefined) requireText(p.title, `${field}.title`);
}

/**
 * Sender/Receiver as the samples write them (1_TEMEL_FATURA_ZARF.xml …): the Identifier, then the title (UNVAN)
 * when known, then VKN_TCKN. Ek-1 §3.1.1 requires the VKN_TCKN entry and allows UNVAN as a repeated
 * ContactInformation; ContactInformationCheck wants exactly one VKN_TCKN.
 */
function party(tag: string, p: EnvelopeParty): string {
  const contact = (value: string, type: string): string =>
    '   <sh:ContactInformation>\n' +
    `    <sh:Contact>${escapeText(value, `${tag}.Contact`)}</sh:Contact>\n` +
    `    <sh:ContactTypeIdentifier>${type}</sh:ContactTypeIdentifier>\n` +
    '   </sh:ContactInformation>\n';
  return (
    `  <${tag}>\n` +
    `   ${leaf('sh:Identifier', p.alias, `${tag}.Identifier`)}\n` +
    (p.title !== undefined ? contact(p.title, 'UNVAN') : '') +
    contact(p.vknTckn, 'VKN_TCKN') +
    `  </${tag}>\n`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export interface ParsedParty {
  alias: string;
  /** '' when the party has no VKN_TCKN contact (envelopeRuleErrors reports it). */
  vknTckn: string;
  title?: string;
  /** Every ContactInformation as written. */
  contacts: Array<{ contact: string; type: string }>;
}

export interface EnvelopeElement {
  /** Namespace and local name of the document's root element. */
  ns: string;
  local: string;
  /** Byte offsets of the root element in the envelope (its '<' … just after its end tag). */
  start: number;
  end: number;
  /** The element's exact bytes: a view of the envelope buffer, no copy. */
  bytes: Buffer;
  /**
   * The document as it was enveloped: the element plus any comment or processing instruction written in front
   * of it (a signature over the whole document covers those); the same as `bytes` when there is none.
   */
  document: Buffer;
  /** The element in the envelope's parse tree, for reading it without a second parse. */
  element: XmlElement;
}

export interface ElementGroup {
  elementType: string;
  /** ElementCount as written; envelopeRuleErrors checks it against `elements.length`. */
  elementCount: number;
  elements: EnvelopeElement[];
}

export interface ParsedEnvelope {
  /** InstanceIdentifier. */
  id: string;
  /** sh:Type as written (envelopeRuleErrors checks it is one of the four). */
  type: string;
  /** CreationDateAndTime as written. */
  createdAt: string;
  headerVersion: string;
  standard: string;
  typeVersion: string;
  multipleType?: boolean;
  /** xsi:schemaLocation of the root, as written ('' when absent). */
  schemaLocation: string;
  /** The first Sender and Receiver (GİB's HeaderCheck allows exactly one of each). */
  sender: ParsedParty;
  receiver: ParsedParty;
  senders: ParsedParty[];
  receivers: ParsedParty[];
  /** The first Elements group's type, count and documents (an envelope carries one kind of document). */
  elementType: string;
  elementCount: number;
  elements: EnvelopeElement[];
  /** Every Elements group (Package.xsd allows several; ElementsGroupCountCheck at most ten). */
  groups: ElementGroup[];
  /** The whole parse, for readers of the documents inside. */
  doc: XmlDocument;
}

export interface ParseEnvelopeOptions {
  /**
   * The envelope ID the transport named (the ZIP's file name without `.zip`): a different InstanceIdentifier is
   * 1142 ZARF ID VE ZIP DOSYASI ADI AYNI OLMALI.
   */
  expectedId?: string;
}

/**
 * Read an envelope. Throws GibProtocolError with GİB's code: 1132/1140 when the bytes are not (well-formed, UTF-8)
 * XML, 1141 when there is no envelope ID, 1142 when it differs from `expectedId`, 1160 when a part the envelope
 * schema requires is missing. GİB's further envelope rules are `envelopeRuleErrors`.
 */
export function parseEnvelope(xml: Buffer, opts: ParseEnvelopeOptions = {}): ParsedEnvelope {
  const doc = parseGibXml(xml);
  const root = doc.root;
  if (!is(root, NS.sh, 'StandardBusinessDocument')) throw schemaError(`kök eleman sh:StandardBusinessDocument olmalı, ${nameOf(root)} bulundu`);

  // The envelope ID first: without it there is nothing to answer to (Ek-2 1141 ZARF ID YOK).
  const header = child(root, NS.sh, 'StandardBusinessDocumentHeader');
  const ident = header && child(header, NS.sh, 'DocumentIdentification');
  const id = (ident && childText(ident, NS.sh, 'InstanceIdentifier')) || '';
  if (!header || !ident || id === '') throw new GibProtocolError(1141, 'sh:DocumentIdentification/sh:InstanceIdentifier bulunamadı');
  if (opts.expectedId !== undefined && id !== opts.expectedId) {
    throw new GibProtocolError(1142, `zarf ID ${id}, dosya adı ${opts.expectedId}`);
  }

  const hdr = 'sh:StandardBusinessDocumentHeader';
  const headerVersion = requiredText(header, NS.sh, 'HeaderVersion', hdr);
  const senders = children(header, NS.sh, 'Sender').map((s) => readParty(s, `${hdr}/sh:Sender`));
  const receivers = children(header, NS.sh, 'Receiver').map((r) => readParty(r, `${hdr}/sh:Receiver`));
  if (senders.length === 0) throw schemaError(`${hdr}/sh:Sender bulunamadı`);
  if (receivers.length === 0) throw schemaError(`${hdr}/sh:Receiver bulunamadı`);
  const di = `${hdr}/sh:DocumentIdentification`;
  const standard = requiredText(ident, NS.sh, 'Standard', di);
  const typeVersion = requiredText(ident, NS.sh, 'TypeVersion', di);
  const type = requiredText(ident, NS.sh, 'Type', di);
  const createdAt = requiredText(ident, NS.sh, 'CreationDateAndTime', di);
  if (!/^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/.test(createdAt)) {
    throw schemaError(`${di}/sh:CreationDateAndTime xs:dateTime değil: ${createdAt}`);
  }
  const mt = child(ident, NS.sh, 'MultipleType');
  let multipleType: boolean | undefined;
  if (mt) {
    const v = mt.text.trim();
    if (!/^(true|false|1|0)$/.test(v)) throw schemaError(`${di}/sh:MultipleType xs:boolean değil: ${v}`);
    multipleType = v === 'true' || v === '1';
  }

  const pkg = required(root, NS.ef, 'Package', 'sh:StandardBusinessDocument');
  const groups = children(pkg, '', 'Elements').map((g) => readGroup(doc, g));
  if (groups.length === 0) throw schemaError('ef:Package/Elements bulunamadı');
  const first = groups[0]!;
  const schemaLocation = root.attrs.find((a) => a.ns === NS.xsi && a.local === 'schemaLocation')?.value ?? '';

  return {
    id,
    type,
    createdAt,
    headerVersion,
    standard,
    typeVersion,
    ...(multipleType === undefined ? {} : { multipleType }),
    schemaLocation,
    sender: senders[0]!,
    receiver: receivers[0]!,
    senders,
    receivers,
    elementType: first.elementType,
    elementCount: first.elementCount,
    elements: first.elements,
    groups,
    doc,
  };
}

function readParty(el: XmlElement, path: string): ParsedParty {
  const alias = requiredText(el, NS.sh, 'Identifier', path);
  const contacts = children(el, NS.sh, 'ContactInformation').map((ci) => ({
    contact: requiredText(ci, NS.sh, 'Contact', `${path}/sh:ContactInformation`),
    type: childText(ci, NS.sh, 'ContactTypeIdentifier'),
  }));
  const vkn = contacts.find((c) => c.type === 'VKN_TCKN');
  const title = contacts.find((c) => c.type === 'UNVAN');
  return { alias, vknTckn: vkn?.contact ?? '', ...(title ? { title: title.contact } : {}), contacts };
}

function readGroup(doc: XmlDocument, g: XmlElement): ElementGroup {
  const path = 'ef:Package/Elements';
  const elementType = requiredText(g, '', 'ElementType', path);
  const countText = requiredText(g, '', 'ElementCount', path);
  if (!/^[+-]?[0-9]+$/.test(countText) || Math.abs(Number(countText)) > 2 ** 31 - 1) {
    throw schemaError(`${path}/ElementCount xs:int değil: ${countText}`);
  }
  const list = required(g, '', 'ElementList', path);
  if (list.children.length === 0) throw schemaError(`${path}/ElementList boş`);
  const view = doc.bytes;
  let prevEnd = list.startTagEnd;
  const elements = list.children.map((el): EnvelopeElement => {
    // The document starts at the first non-blank byte after the previous one (comments or processing instructions
    // written in front of the root element belong to it), and ends with its root element.
    let docStart = prevEnd;
    while (docStart < el.pos && isBlank(view[docStart]!)) docStart++;
    prevEnd = el.end;
    return {
      ns: el.ns,
      local: el.local,
      start: el.pos,
      end: el.end,
      bytes: view.subarray(el.pos, el.end),
      document: view.subarray(docStart, el.end),
      element: el,
    };
  });
  return { elementType, elementCount: Number(countText), elements };
}

function isBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

// ---------------------------------------------------------------------------------------------------------------
// GİB's envelope rules

/**
 * GİB's schematron rules for the envelope itself (UBL-TR_Main_Schematron.xml patterns "document", "header",
 * "package"; the abstract rules in UBL-TR_Common_Schematron.xml), each failure in the schematron's own Turkish
 * words. An empty list means the envelope passes them. GİB answers a failure with 1150 SCHEMATRON KONTROL SONUCU
 * HATALI; `assertEnvelopeRules` throws that.
 */
export function envelopeRuleErrors(env: ParsedEnvelope): string[] {
  const errors: string[] = [];
  // DocumentCheck
  if (!env.schemaLocation.includes('PackageProxy_1_2.xsd')) {
    errors.push("sh:StandardBusinessDocument alanın  xsi:schemaLocation niteliği 'PackageProxy_1_2.xsd' olmalıdır");
  }
  // HeaderCheck
  if (env.headerVersion !== '1.0' && env.headerVersion !== '1.2') {
    errors.push('Geçersiz sh:HeaderVersion elemanı değeri. sh:HeaderVersion elemanı 1.0 veya 1.2 değerine eşit olmalıdır.');
  }
  if (env.senders.length !== 1) errors.push('sh:Sender zorunlu bir elemandır.');
  if (env.receivers.length !== 1) errors.push('sh:Receiver zorunlu bir elemandır.');
  for (const p of [...env.senders, ...env.receivers]) {
    // EmptyCheck on Identifier, ContactInformationCheck, ContactCheck
    if (p.alias === '') errors.push('Geçersiz sh:Identifier elemanı değeri. Boş olmayan bir değer içermelidir.');
    if (p.contacts.length === 0) errors.push('En az bir sh:ContactInformation elemanı bulunmalıdır.');
    if (p.contacts.filter((c) => c.type === 'VKN_TCKN').length !== 1) {
      errors.push("sh:ContactTypeIdentifier elemanı değeri 'VKN_TCKN' ye eşit olan bir tane sh:ContactInformation elemanı bulunmalıdır.");
    }
    for (const c of p.contacts) {
      if (c.type === '') errors.push('sh:ContactTypeIdentifier zorunlu bir elemandır.');
      else if (c.type !== 'UNVAN' && c.type !== 'VKN_TCKN') {
        errors.push(`Geçersiz sh:ContactTypeIdentifier değeri : '${c.type}'. Geçerli değerler için kod listesine bakınız.`);
      } else if (c.type === 'VKN_TCKN' && c.contact.length !== 10 && c.contact.length !== 11) {
        errors.push("sh:ContactTypeIdentifier elemanın değeri 'VKN_TCKN' olması durumunda sh:Contact elemanına 10 haneli vergi kimlik numarası ve ya 11 haneli TC kimlik numarası yazılmalıdır.");
      }
    }
  }
  // TypeVersionCheck, EnvelopeTypeCheck, EnvelopeTypeElementTypeCheck, UUIDCheck
  if (env.typeVersion !== '1.2') errors.push("Geçersiz sh:TypeVersion elemanı değeri. '1.2' değerine eşit olmalıdır.");
  const type = env.type as EnvelopeType;
  if (!ENVELOPE_TYPES.includes(type)) {
    errors.push(`Geçersiz zarf türü : '${env.type}'. Geçerli değerler için kod listesine bakınız.`);
  } else {
    const allowed = ENVELOPE_ELEMENT_TYPES[type];
    // GİB's test reads "no ElementType other than X" for some X of the allowed kinds.
    const kinds = new Set(env.groups.map((g) => g.elementType));
    const ok = type === 'USERENVELOPE' ? [...kinds].some((k) => allowed.includes(k as ElementType)) : allowed.some((a) => [...kinds].every((k) => k === a));
    if (!ok) errors.push(ENVELOPE_ELEMENT_MESSAGES[type]);
    if (type === 'USERENVELOPE') {
      if (env.receiver.vknTckn !== GIB_PARTY.vknTckn || env.receiver.alias !== GIB_PARTY.alias) {
        errors.push('USERENVELOPE türündeki zarfı yalnızca 3900383669 vergi kimlik numaralı ve GIB etiketli kullanıcıya gönderebilirsiniz.');
      }
      if (!USER_ENVELOPE_ALIASES.has(env.sender.alias.trim())) {
        errors.push('USERENVELOPE türündeki zarfı UserEnvelopeAliases listesindeki etiketlerden birisiyle gönderebilirsiniz.');
      }
    }
  }
  if (!UUID_RE.test(env.id)) errors.push('Geçersiz sh:InstanceIdentifier elemanı değeri. sh:InstanceIdentifier elemanı UUID formatında olmalıdır.');
  // ElementsGroupCountCheck and the Elements rules
  if (env.groups.length > 10) errors.push('ef:Package elemanı içerisinde en fazla 10 tane Elements elemanı olabilir.');
  for (const g of env.groups) {
    const et = g.elementType as ElementType;
    if (!(et in ELEMENT_ROOTS)) {
      errors.push(`Geçersiz  ElementType değeri : '${g.elementType}'. Geçerli ElementType değerleri için kod listesine bakınız.`);
    }
    if (!(g.elementCount < 1001)) errors.push('ElementCount elemanın değeri en fazla 1000 olabilir..');
    if (g.elements.length !== g.elementCount) {
      errors.push('ElementList elemanı içersinde bulunan eleman sayısı ElementCount elemanı değerine eşit olmalıdır.');
    }
    const named = ELEMENT_NAME_MESSAGES[g.elementType];
    if (named) {
      const root = ELEMENT_ROOTS[et];
      if (g.elements.filter((e) => e.ns === root.ns && e.local === root.local).length !== g.elementCount) errors.push(named);
    }
    if (g.elementType === 'INVOICE') {
      const invoices = g.elements.filter((e) => e.ns === NS.inv && e.local === 'Invoice');
      if (invoices.length > MAX_INVOICES) errors.push("ElementList elemanı içerisinde bulunan inv:Invoice elemanı sayısı 100'den fazla olamaz.");
      const profiles = invoices.map((e) => childText(e.element, NS.cbc, 'ProfileID'));
      if (profiles.filter((p) => p === 'IHRACAT').length > 1) {
        errors.push("ElementList elemanı cbc:ProfileID değeri 'IHRACAT' olan sadece 1 tane inv:Invoice elamanı içerebilir");
      }
      if (profiles.filter((p) => p === 'YOLCUBERABERFATURA').length > 1) {
        errors.push("ElementList elemanı cbc:ProfileID değeri 'YOLCUBERABERFATURA' olan sadece 1 tane inv:Invoice elamanı içerebilir");
      }
    }
  }
  return errors;
}

/** Throws 1150 SCHEMATRON KONTROL SONUCU HATALI with GİB's message for the first rule the envelope fails. */
export function assertEnvelopeRules(env: ParsedEnvelope): void {
  const errors = envelopeRuleErrors(env);
  if (errors.length > 0) throw new GibProtocolError(1150, errors[0]!);
}

const ENVELOPE_ELEMENT_MESSAGES: Readonly<Record<EnvelopeType, string>> = {
  SENDERENVELOPE: 'SENDERENVELOPE türündeki zarf Invoice,DespatchAdvice veya CreditNote şemasına göre oluşturulmuş belge taşımalıdır.',
  POSTBOXENVELOPE: 'POSTBOXENVELOPE türündeki zarf, ApplicationResponse veya ReceiptAdvice  şemasına göre oluşturulmuş belge taşımalıdır.',
  SYSTEMENVELOPE: 'SYSTEMENVELOPE türündeki zarf ApplicationResponse şemasına göre oluşturulmuş belge taşımalıdır.',
  USERENVELOPE: 'USERENVELOPE türündeki zarf ProcessUserAccount ve ya CancelUserAccount şemasına göre oluşturulmuş belge taşımalıdır.',
};

/** ElementNameCheck covers these four kinds only. */
const ELEMENT_NAME_MESSAGES: Readonly<Record<string, string>> = {
  INVOICE: 'ElementList elemanı içerisinde bulunan inv:Invoice elemanı sayısı ElementCount elemanı değerine eşit olmalıdır.',
  APPLICATIONRESPONSE: 'ElementList elemanı içerisinde bulunan apr:ApplicationResponse elemanı sayısı ElementCount elemanı değerine eşit olmalıdır.',
  PROCESSUSERACCOUNT: 'ElementList elemanı içerisinde bulunan hr:ProcessUserAccount elemanı sayısı ElementCount elemanı değerine eşit olmalıdır.',
  CANCELUSERACCOUNT: 'ElementList elemanı içerisinde bulunan hr:CancelUserAccount elemanı sayısı ElementCount elemanı değerine eşit olmalıdır.',
};
