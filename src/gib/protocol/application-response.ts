/**
 * The application response (uygulama yanıtı) to a commercial invoice: the receiver's KABUL (accept) or RED (reject),
 * a UBL ApplicationResponse carried in a POSTBOXENVELOPE from the receiver's postbox back to the invoice's sender
 * (Entegrasyon Kılavuzu v1.10 §4.4.2; TICARIFATURA answered once, within 8 days, §4.2).
 *
 * Layout of GİB's samples (../shared/gib/ubl-tr-1.2.1/xml/KabulUygulamaYanitiOrnegi.xml, RedUygulamaYanitiOrnegi.xml,
 * IHRACAT_GTB_UygulamaYaniti_KABUL.xml) under the rules GİB checks today (UBL-TR_Main_Schematron.xml pattern
 * "applicationresponse"):
 * - ProfileID TICARIFATURA (or IHRACAT) — the samples' old "TicariFatura" is refused (ApplicationResponseProfileIDCheck);
 * - the document response names the invoice by its ETTN, as the responses GİB's own portal produced do
 *   (../shared/gib/e-fatura-paketi/xml/2_UYGULAMA_YANITI_KABUL.xml and 3_…_RED.xml reference the ETTN of
 *   2_/3_TICARI_FATURA.xml) and as the GTB sample says ("Yanıta konu olan Fatura UUID(ETTN) yazılacaktır"); the
 *   invoice number, which the UBL-TR guide samples put there instead, goes into a note in the form GİB's YOLCUBERABER
 *   sample uses ("Fatura No:…");
 * - DocumentTypeCode/DocumentType (PostBoxDocumentReferenceCheck wants them set): FATURA as in the UBL-TR samples by
 *   default; GİB's portal wrote the invoice's type there (SATIS), which `invoice.documentType` allows;
 * - a LineResponse repeating the answer, with an empty LineID, as all samples do; its Response holds one Description
 *   (DescriptionCountCheck): the reason, by default the portal's "Fatura kabul edildi." / "Fatura red edildi.";
 * - a VKN party has a PartyName, a TCKN party a Person (ARPartyIdentificationPartyNamePersonCheck).
 * The response must be signed before it leaves (ARSignatureCheck wants ext:UBLExtensions and cac:Signature): the
 * built document has neither, src/signing/xades.ts adds both when it signs.
 */
import type { XmlElement } from '../../xml/parse';
import { invalidField } from './errors';
import {
  child,
  children,
  childText,
  dateValue,
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
  schemaError,
  UUID_RE,
  XML_DECLARATION,
} from './markup';
import {
  APR_OPEN,
  checkNoteList,
  checkUblParty,
  derivedUuid,
  issueDateTime,
  documentResponse,
  readParties,
  readUblHeader,
  ublParty,
  type ParsedUblHeader,
  type ParsedUblParty,
  type UblParty,
} from './ubl';

export type BusinessResponseCode = 'KABUL' | 'RED';

export interface ApplicationResponseSpec {
  /** cbc:UUID: the response's own ETTN. */
  uuid: string;
  /** cbc:ID; default the UUID. */
  id?: string;
  /** TICARIFATURA (default) or IHRACAT. */
  profileId?: 'TICARIFATURA' | 'IHRACAT';
  issuedAt: Date | { date: string; time?: string };
  /** The party answering: the invoice's receiver (its postbox). */
  sender: UblParty;
  /** The party told: the invoice's sender. */
  receiver: UblParty;
  invoice: {
    /** The invoice's ETTN (cbc:UUID). */
    uuid: string;
    /** The invoice's number (cbc:ID), written as a note "Fatura No:<number>". */
    number?: string;
    /** The invoice's IssueDate. */
    issueDate: string;
    /** DocumentTypeCode/DocumentType; default FATURA. */
    documentType?: string;
  };
  code: BusinessResponseCode;
  /** Why (the RED reason): the Description of both responses. Default "Fatura kabul edildi." / "Fatura red edildi.". */
  reason?: string;
  notes?: readonly string[];
}

const NUMBER_NOTE = 'Fatura No:';

/** The unsigned application response (UTF-8, with an XML declaration). */
export function buildApplicationResponse(spec: ApplicationResponseSpec): Buffer {
  const f = 'applicationResponse';
  requireUuid(spec.uuid, `${f}.uuid`);
  requireUuid(spec.invoice.uuid, `${f}.invoice.uuid`);
  if (spec.code !== 'KABUL' && spec.code !== 'RED') throw invalidField(`${f}.code`, 'KABUL veya RED olmalı');
  const profileId = spec.profileId ?? 'TICARIFATURA';
  if (profileId !== 'TICARIFATURA' && profileId !== 'IHRACAT') throw invalidField(`${f}.profileId`, 'TICARIFATURA veya IHRACAT olmalı');
  for (const [p, field] of [[spec.sender, `${f}.sender`], [spec.receiver, `${f}.receiver`]] as const) {
    checkUblParty(p, field);
    if (p.vknTckn.length === 10 && p.name === undefined) throw invalidField(`${field}.name`, 'VKN için unvan (PartyName) zorunlu');
    if (p.vknTckn.length === 11 && p.person === undefined) throw invalidField(`${field}.person`, 'TCKN için ad ve soyad (Person) zorunlu');
  }
  if (spec.invoice.number !== undefined) requireText(spec.invoice.number, `${f}.invoice.number`);
  const invoiceDate = dateValue(spec.invoice.issueDate, `${f}.invoice.issueDate`);
  const notes = [
    ...checkNoteList(spec.notes, `${f}.notes`),
    ...(spec.invoice.number !== undefined ? [`${NUMBER_NOTE}${spec.invoice.number}`] : []),
  ];
  const { date, time } = issueDateTime(spec.issuedAt, `${f}.issuedAt`);
  const reason = spec.reason ?? (spec.code === 'KABUL' ? 'Fatura kabul edildi.' : 'Fatura red edildi.');
  const documentType = spec.invoice.documentType ?? 'FATURA';
  requireText(documentType, `${f}.invoice.documentType`);

  const xml =
    `${XML_DECLARATION}\n` +
    APR_OPEN +
    '<cbc:UBLVersionID>2.1</cbc:UBLVersionID>' +
    '<cbc:CustomizationID>TR1.2</cbc:CustomizationID>' +
    leaf('cbc:ProfileID', profileId) +
    leaf('cbc:ID', spec.id ?? spec.uuid, `${f}.id`) +
    leaf('cbc:UUID', spec.uuid) +
    leaf('cbc:IssueDate', date) +
    (time ? leaf('cbc:IssueTime', time) : '') +
    notes.map((n, i) => leaf('cbc:Note', n, `${f}.notes[${i}]`)).join('') +
    ublParty('cac:SenderParty', spec.sender, `${f}.sender`) +
    ublParty('cac:ReceiverParty', spec.receiver, `${f}.receiver`) +
    '<cac:DocumentResponse>' +
    `<cac:Response>${leaf('cbc:ReferenceID', derivedUuid(spec.uuid, 'response'))}${leaf('cbc:ResponseCode', spec.code)}` +
    `<cbc:Description>${escapeText(reason, `${f}.reason`)}</cbc:Description></cac:Response>` +
    '<cac:DocumentReference>' +
    leaf('cbc:ID', spec.invoice.uuid) +
    leaf('cbc:IssueDate', invoiceDate) +
    leaf('cbc:DocumentTypeCode', documentType) +
    leaf('cbc:DocumentType', documentType) +
    '</cac:DocumentReference>' +
    '<cac:LineResponse><cac:LineReference><cbc:LineID></cbc:LineID></cac:LineReference>' +
    `<cac:Response>${leaf('cbc:ReferenceID', derivedUuid(spec.uuid, 'line-response'))}${leaf('cbc:ResponseCode', spec.code)}` +
    `<cbc:Description>${escapeText(reason, `${f}.reason`)}</cbc:Description></cac:Response>` +
    '</cac:LineResponse>' +
    '</cac:DocumentResponse>' +
    '</ApplicationResponse>\n';
  return Buffer.from(xml, 'utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export interface ParsedApplicationResponse extends ParsedUblHeader {
  sender: ParsedUblParty;
  receiver: ParsedUblParty;
  /** KABUL or RED; GİB's list also has IADE and GUMRUKONAY (UBL-TR_Codelist.xml ResponseCodeType). */
  code: string;
  /** DocumentResponse/Response/Description, as written. */
  description: string;
  /** The line responses' descriptions (the RED reason in GİB's sample). */
  lineDescriptions: string[];
  invoice: {
    /** DocumentReference/ID as written. */
    reference: string;
    /** The invoice's ETTN: the reference when it is a UUID. */
    uuid?: string;
    /** The invoice number: the reference when it is not a UUID (GİB's older samples), else a "Fatura No:" note. */
    number?: string;
    issueDate: string;
    documentType: string;
  };
  /** Whether ext:UBLExtensions holds a ds:Signature (verify it with src/signing/verify.ts). */
  signed: boolean;
}

/** Read a KABUL/RED response from its document bytes. Throws GibProtocolError (1132/1140, 1160). */
export function parseApplicationResponse(xml: Buffer): ParsedApplicationResponse {
  const doc = parseGibXml(xml);
  return readApplicationResponse(doc.root);
}

/** A KABUL/RED response from its element (e.g. in a parsed POSTBOXENVELOPE). */
export function readApplicationResponse(root: XmlElement): ParsedApplicationResponse {
  if (!is(root, NS.apr, 'ApplicationResponse')) throw schemaError(`ApplicationResponse bekleniyordu, ${nameOf(root)} bulundu`);
  const header = readUblHeader(root);
  const { sender, receiver } = readParties(root);
  const dr = documentResponse(root);
  const path = 'ApplicationResponse/cac:DocumentResponse';
  const response = required(dr, NS.cac, 'Response', path);
  const code = requiredText(response, NS.cbc, 'ResponseCode', `${path}/cac:Response`);
  if (code === 'S_APR') throw schemaError('bu bir sistem yanıtı (S_APR), uygulama yanıtı değil');
  const ref = required(dr, NS.cac, 'DocumentReference', path);
  const reference = requiredText(ref, NS.cbc, 'ID', `${path}/cac:DocumentReference`);
  const noted = header.notes.map((n) => n.trim()).find((n) => n.startsWith(NUMBER_NOTE));
  const isUuid = UUID_RE.test(reference);
  const number = isUuid ? noted?.slice(NUMBER_NOTE.length).trim() : reference;
  const exts = child(root, NS.ext, 'UBLExtensions');
  const signed = !!exts && children(exts, NS.ext, 'UBLExtension').some((e) => {
    const content = child(e, NS.ext, 'ExtensionContent');
    return !!content && content.children.some((c) => c.ns === 'http://www.w3.org/2000/09/xmldsig#' && c.local === 'Signature');
  });
  return {
    ...header,
    sender,
    receiver,
    code,
    description: children(response, NS.cbc, 'Description').map((d) => d.text).join(' ').trim(),
    lineDescriptions: children(dr, NS.cac, 'LineResponse').flatMap((l) =>
      children(l, NS.cac, 'Response').flatMap((r) => children(r, NS.cbc, 'Description').map((d) => d.text.trim())),
    ),
    invoice: {
      reference,
      ...(isUuid ? { uuid: reference } : {}),
      ...(number ? { number } : {}),
      issueDate: requiredText(ref, NS.cbc, 'IssueDate', `${path}/cac:DocumentReference`),
      documentType: childText(ref, NS.cbc, 'DocumentTypeCode') || childText(ref, NS.cbc, 'DocumentType'),
    },
    signed,
  };
}
