/**
 * The system response (sistem yanıtı): a UBL ApplicationResponse with ResponseCode S_APR that tells the sender of an
 * envelope what became of it — the envelope's ID, a status code 1000…1300 and its text — carried back in a
 * SYSTEMENVELOPE (Ek-2 "Sistem Yanıtı Şema Yapısı" v1.5, ../shared/gib/docs/efatura-Ek-2…txt, §3.13–§3.16 and §4).
 * getApplicationResponse returns the same SYSTEMENVELOPE as a string (Ek-3 §7.2.2).
 *
 * Layout as GİB's own system responses (1_SISTEM_YANITI_MERKEZ.xml, 1_SISTEM_YANITI_GTB_POSTA_KUTUSU.xml) and the
 * rules GİB checks on them (UBL-TR_Common_Schematron.xml): UBLVersionID 2.1, CustomizationID TR1.2, ProfileID
 * UBL-TR-PROFILE-1 (ApplicationResponseProfileIDCheck), one DocumentResponse whose DocumentReference names the
 * envelope and its type (PostBoxDocumentReferenceCheck), and exactly one LineResponse with one Response holding the
 * code and one Description (DocumentResponseCheck, DescriptionCountCheck).
 */
import type { XmlElement } from '../../xml/parse';
import { GIB_STATUSES, gibStatus, type GibStatus } from './codes';
import { buildEnvelope, parseEnvelope, type EnvelopeParty, type ParsedEnvelope } from './envelope';
import { invalidField } from './errors';
import {
  child,
  children,
  dateValue,
  escapeText,
  is,
  leaf,
  nameOf,
  NS,
  parseGibXml,
  required,
  requiredText,
  requireUuid,
  schemaError,
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

export { EFATURA_FAULTS, GIB_STATUSES, SYSTEM_ENVELOPE_RESPONSE_CODES, gibStatus, gibText, type GibOutcome, type GibStatus } from './codes';

/** The envelope types a system response answers (Ek-2 §3.15 DocumentTypeCode; GİB answers user envelopes too). */
export type AnsweredEnvelopeType = 'SENDERENVELOPE' | 'POSTBOXENVELOPE' | 'USERENVELOPE';

export interface SystemResponseSpec {
  /** cbc:UUID of the response (Ek-2 §3.6). */
  uuid: string;
  /** cbc:ID; default the UUID (Ek-2 §3.5: "GUID formatında olması önerilir"). */
  id?: string;
  /** IssueDate and IssueTime: a Date (Turkish time) or the strings as they should appear. */
  issuedAt: Date | { date: string; time?: string };
  /** Who answers (the party the envelope went to) and who is told (the envelope's sender), Ek-2 §3.11–3.12. */
  sender: UblParty;
  receiver: UblParty;
  /** InstanceIdentifier of the envelope answered (DocumentReference/ID, Ek-2 §3.15). */
  envelopeId: string;
  envelopeType: AnsweredEnvelopeType;
  /** DocumentReference/IssueDate: the answered envelope's date; default the response's date. */
  envelopeDate?: string;
  /** The status code (Ek-2 §4). */
  code: number;
  /** Default GİB's text for the code; GİB appends detail after it (e.g. the schematron message). */
  description?: string;
  notes?: readonly string[];
}

/** The system response as a document of its own (UTF-8, with an XML declaration). */
export function buildSystemResponse(spec: SystemResponseSpec): Buffer {
  requireUuid(spec.uuid, 'systemResponse.uuid');
  requireUuid(spec.envelopeId, 'systemResponse.envelopeId');
  if (!['SENDERENVELOPE', 'POSTBOXENVELOPE', 'USERENVELOPE'].includes(spec.envelopeType)) {
    throw invalidField('systemResponse.envelopeType', `${spec.envelopeType} zarfına sistem yanıtı verilmez`);
  }
  if (!Number.isInteger(spec.code) || spec.code < 1000 || spec.code > 1999) {
    throw invalidField('systemResponse.code', 'Ek-2 durum kodu (1000–1999) olmalı');
  }
  const description = spec.description ?? GIB_STATUSES[spec.code]?.text;
  if (description === undefined || description === '') {
    throw invalidField('systemResponse.description', `${spec.code} için GİB metni yok, açıklama verilmeli`);
  }
  checkUblParty(spec.sender, 'systemResponse.sender');
  checkUblParty(spec.receiver, 'systemResponse.receiver');
  const notes = checkNoteList(spec.notes, 'systemResponse.notes');
  const { date, time } = issueDateTime(spec.issuedAt, 'systemResponse.issuedAt');
  const envelopeDate = spec.envelopeDate === undefined ? date : dateValue(spec.envelopeDate, 'systemResponse.envelopeDate');
  const id = spec.id ?? spec.uuid;

  const xml =
    `${XML_DECLARATION}\n` +
    APR_OPEN +
    '<cbc:UBLVersionID>2.1</cbc:UBLVersionID>' +
    '<cbc:CustomizationID>TR1.2</cbc:CustomizationID>' +
    '<cbc:ProfileID>UBL-TR-PROFILE-1</cbc:ProfileID>' +
    leaf('cbc:ID', id, 'systemResponse.id') +
    leaf('cbc:UUID', spec.uuid) +
    leaf('cbc:IssueDate', date) +
    (time ? leaf('cbc:IssueTime', time) : '') +
    notes.map((n, i) => leaf('cbc:Note', n, `systemResponse.notes[${i}]`)).join('') +
    ublParty('cac:SenderParty', spec.sender, 'systemResponse.sender') +
    ublParty('cac:ReceiverParty', spec.receiver, 'systemResponse.receiver') +
    '<cac:DocumentResponse>' +
    // Ek-2 §3.14: ResponseCode S_APR ("System application response"); Description as in §3.13's example.
    `<cac:Response>${leaf('cbc:ReferenceID', derivedUuid(spec.uuid, 'response'))}<cbc:ResponseCode>S_APR</cbc:ResponseCode><cbc:Description>APPLICATIONRESPONSE</cbc:Description></cac:Response>` +
    '<cac:DocumentReference>' +
    leaf('cbc:ID', spec.envelopeId) +
    leaf('cbc:IssueDate', envelopeDate) +
    leaf('cbc:DocumentTypeCode', spec.envelopeType) +
    leaf('cbc:DocumentType', spec.envelopeType) +
    '</cac:DocumentReference>' +
    // Ek-2 §3.16: LineID 0 (the answer is about the whole envelope), the envelope again, and the status.
    '<cac:LineResponse><cac:LineReference><cbc:LineID>0</cbc:LineID>' +
    `<cac:DocumentReference>${leaf('cbc:ID', spec.envelopeId)}${leaf('cbc:IssueDate', envelopeDate)}</cac:DocumentReference>` +
    '</cac:LineReference>' +
    `<cac:Response>${leaf('cbc:ReferenceID', derivedUuid(spec.uuid, 'line-response'))}${leaf('cbc:ResponseCode', String(spec.code))}` +
    `<cbc:Description>${escapeText(description, 'systemResponse.description')}</cbc:Description></cac:Response>` +
    '</cac:LineResponse>' +
    '</cac:DocumentResponse>' +
    '</ApplicationResponse>\n';
  return Buffer.from(xml, 'utf8');
}

export interface SystemEnvelopeSpec {
  /** The SYSTEMENVELOPE's own UUID and time. */
  envelopeId: string;
  createdAt: Date | string;
  /**
   * Who sends the system response and to whom. Ek-2 §1: the answer goes to the VKN and alias the envelope came
   * from, and comes from the VKN and alias it was sent to — `replyParties` swaps a received envelope's parties.
   */
  sender: EnvelopeParty;
  receiver: EnvelopeParty;
  responses: readonly SystemResponseSpec[];
}

/** A SYSTEMENVELOPE holding system responses. */
export function buildSystemEnvelope(spec: SystemEnvelopeSpec): Buffer {
  return buildEnvelope({
    id: spec.envelopeId,
    type: 'SYSTEMENVELOPE',
    createdAt: spec.createdAt,
    sender: spec.sender,
    receiver: spec.receiver,
    elementType: 'APPLICATIONRESPONSE',
    elements: spec.responses.map(buildSystemResponse),
  });
}

/** The parties of the answer to a received envelope: its receiver answers its sender (Ek-2 §1). */
export function replyParties(received: Pick<ParsedEnvelope, 'sender' | 'receiver'>): { sender: EnvelopeParty; receiver: EnvelopeParty } {
  const strip = (p: ParsedEnvelope['sender']): EnvelopeParty => ({ alias: p.alias, vknTckn: p.vknTckn, ...(p.title !== undefined ? { title: p.title } : {}) });
  return { sender: strip(received.receiver), receiver: strip(received.sender) };
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export interface ParsedSystemResponse extends ParsedUblHeader {
  sender: ParsedUblParty;
  receiver: ParsedUblParty;
  /** The envelope answered (DocumentReference/ID). */
  envelopeId: string;
  /** Its type as written (DocumentTypeCode; DocumentType when the code is absent). */
  envelopeType: string;
  envelopeDate: string;
  /** The status code (LineResponse/Response/ResponseCode). */
  code: number;
  /** The description as written (GİB's own samples write "BASARIYLA ISLENDI" for 1200, not the table's text). */
  description: string;
  /** What the code means (Ek-2 §4), also for a code outside the table. */
  status: GibStatus;
}

/**
 * Read one system response from a bare ApplicationResponse (1_SISTEM_YANITI_GTB_POSTA_KUTUSU.xml) or from a
 * SYSTEMENVELOPE (1_SISTEM_YANITI_MERKEZ.xml, a getApplicationResponse answer): the first one it holds.
 * Throws GibProtocolError (1132/1140 not XML, 1160 not a system response).
 */
export function parseSystemResponse(xml: Buffer): ParsedSystemResponse {
  const doc = parseGibXml(xml);
  if (is(doc.root, NS.sh, 'StandardBusinessDocument')) return parseSystemEnvelope(xml).responses[0]!;
  return readSystemResponse(doc.root);
}

/** A SYSTEMENVELOPE and every system response in it. */
export function parseSystemEnvelope(xml: Buffer): { envelope: ParsedEnvelope; responses: ParsedSystemResponse[] } {
  const envelope = parseEnvelope(xml);
  if (envelope.type !== 'SYSTEMENVELOPE') throw schemaError(`SYSTEMENVELOPE bekleniyordu, ${envelope.type} geldi`);
  const responses = envelope.groups.flatMap((g) => g.elements).map((e) => readSystemResponse(e.element));
  return { envelope, responses };
}

/** A system response from its element (in a parsed envelope, or a document's root). */
export function readSystemResponse(root: XmlElement): ParsedSystemResponse {
  if (!is(root, NS.apr, 'ApplicationResponse')) throw schemaError(`ApplicationResponse bekleniyordu, ${nameOf(root)} bulundu`);
  const header = readUblHeader(root);
  const { sender, receiver } = readParties(root);
  const dr = documentResponse(root);
  const path = 'ApplicationResponse/cac:DocumentResponse';
  const kind = requiredText(required(dr, NS.cac, 'Response', path), NS.cbc, 'ResponseCode', `${path}/cac:Response`);
  if (kind !== 'S_APR') throw schemaError(`sistem yanıtında ${path}/cac:Response/cbc:ResponseCode S_APR olmalı, ${kind} bulundu`);
  const ref = required(dr, NS.cac, 'DocumentReference', path);
  const typeCode = child(ref, NS.cbc, 'DocumentTypeCode')?.text.trim() || child(ref, NS.cbc, 'DocumentType')?.text.trim() || '';
  const lines = children(dr, NS.cac, 'LineResponse');
  if (lines.length === 0) throw schemaError(`${path}/cac:LineResponse bulunamadı`);
  const response = required(lines[0]!, NS.cac, 'Response', `${path}/cac:LineResponse`);
  const codeText = requiredText(response, NS.cbc, 'ResponseCode', `${path}/cac:LineResponse/cac:Response`);
  if (!/^[0-9]{4}$/.test(codeText)) throw schemaError(`durum kodu dört haneli sayı değil: ${codeText}`);
  const code = Number(codeText);
  return {
    ...header,
    sender,
    receiver,
    envelopeId: requiredText(ref, NS.cbc, 'ID', `${path}/cac:DocumentReference`),
    envelopeType: typeCode,
    envelopeDate: requiredText(ref, NS.cbc, 'IssueDate', `${path}/cac:DocumentReference`),
    code,
    description: children(response, NS.cbc, 'Description').map((d) => d.text).join(' ').trim(),
    status: gibStatus(code),
  };
}
