/**
 * The SOAP messages of GİB's e-Arşiv web service (../shared/gib/earsiv/EArsivWs.wsdl, service EArsivWsService):
 * SOAP 1.2, document/literal, target namespace http://earsiv.vedop3.ggm.gov.org/. Three operations:
 *
 *   sendDocumentFile(Attachment{fileName, binaryData})  → return (xs:string)          soapAction urn:SendDocumentFile
 *   getBatchStatus(paketId)                             → return (durum)              soapAction urn:GetBatchStatus
 *   getUserList(type?)                                  → return (attachment)         soapAction urn:GetUserList
 *
 * and the EArsivFault {code: xs:int, message: xs:string} (getBatchStatus may also raise InterruptedException, an
 * empty element). From the WSDL's schema (elementFormDefault="unqualified"): the global elements sendDocumentFile,
 * sendDocumentFileResponse, getBatchStatus(Response), getUserList(Response), EArsivFault and InterruptedException are
 * qualified; every child (Attachment, fileName, binaryData, return, paketId, type, durumAciklama, durumKodu,
 * TCKimlikNo, vergiKimlikNo, code, message) is not. Unlike EFatura's documentRequest, the attachment carries no hash.
 * No HTTP here: the gateway's client (src/gib/earsiv-client.ts) and the simulator (src/simulator/earsiv.ts) wrap it.
 *
 * GİB publishes no e-Arşiv web service guide among the files we have, so two tables here are ours, each entry
 * sourced below:
 *  - EARSIV_FAULTS, the EArsivFault codes. The sibling service with the same operation names, e-Defter's EDefterWs
 *    (edefter-e-Defter_Uygulamasi_Web_Servis_Kilavuzu_V.1.7.txt §4 "Hata Kodları ve Açıklamaları"), gives codes
 *    and texts for sendDocumentFile (101–114) and getBatchStatus (303–305); the ones that fit are used as printed
 *    there. The package checks a ZIP needs (not a ZIP, damaged, not one file, not XML, wrong entry name) have no
 *    e-Defter code, and take the code and text of the same check in e-Fatura (Ek-2 §4: 1110, 1130, 1131, 1132,
 *    1133); 1195 SISTEM HATASI likewise. 400 (an unknown user-list type) is ours alone.
 *  - EARSIV_BATCH_STATUSES, durumKodu/durumAciklama of getBatchStatus. No GİB text defines them; the states of a
 *    report are those of an e-Fatura envelope at Merkez, so the codes and texts are Ek-2 §4's (codes.ts, GİB's
 *    spelling), 1300 BASARIYLA TAMAMLANDI for an accepted report, 1163 for an invoice already reported.
 */
import { GatewayError } from '../../faults';
import { DOCUMENT_LIMITS, type XmlElement, type XmlLimits } from '../../xml/parse';
import { GIB_STATUSES, gibStatus } from './codes';
import { invalidField } from './errors';
import { child, leaf } from './markup';
import { base64Content, readSoapFault, soap12Envelope, soap12Fault, soapBodyElement } from './soap';

/** EArsivWs.wsdl targetNamespace. */
export const EARSIV_WS_NS = 'http://earsiv.vedop3.ggm.gov.org/';

/** soap12:operation/@soapAction of EArsivWsServiceSoapBinding. */
export const EARSIV_SOAP_ACTIONS = {
  sendDocumentFile: 'urn:SendDocumentFile',
  getBatchStatus: 'urn:GetBatchStatus',
  getUserList: 'urn:GetUserList',
} as const;
export type EarsivOperation = keyof typeof EARSIV_SOAP_ACTIONS;

/** The HTTP Content-Type of a SOAP 1.2 message of the service, with the operation's action when it is a request. */
export function earsivContentType(operation?: EarsivOperation): string {
  return `application/soap+xml; charset=utf-8${operation ? `; action="${EARSIV_SOAP_ACTIONS[operation]}"` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Codes (see the file comment for their sources)

export type EarsivFaultSide = 'Sender' | 'Receiver';

export interface EarsivFaultInfo {
  readonly text: string;
  /** SOAP 1.2 Code: the caller's doing (Sender, HTTP 400) or GİB's (Receiver, HTTP 500). */
  readonly soap: EarsivFaultSide;
  /** The same call may succeed later unchanged. */
  readonly retryable: boolean;
}

function fault(text: string, soap: EarsivFaultSide, retryable: boolean): EarsivFaultInfo {
  return Object.freeze({ text, soap, retryable });
}

/** EArsivFault codes: e-Defter's web service table where it fits, Ek-2's ZIP checks, one of ours (400). */
export const EARSIV_FAULTS: Readonly<Record<number, EarsivFaultInfo>> = Object.freeze({
  // e-Defter Web Servis Kılavuzu v1.7 §4, sendDocumentFile
  103: fault('Attachment null.', 'Sender', false),
  104: fault('Paket adı boş.', 'Sender', false),
  105: fault('Paket içeriği boş.', 'Sender', false),
  106: fault('Paket maksimum boyutu geçmiş.', 'Sender', false),
  107: fault('Datahandler hatası.', 'Sender', false),
  108: fault('Paket adı geçerli değil.', 'Sender', false),
  110: fault('Veritabanı hatası.', 'Receiver', true),
  111: fault('Paket sisteme daha önce yüklenmiş.', 'Sender', false),
  113: fault('İşlem kuyruğu hatası.', 'Receiver', true),
  114: fault('Bu mükellef şu anda paket yükleyemez.', 'Sender', true), // "şu anda": a state that passes
  // e-Defter Web Servis Kılavuzu v1.7 §4, getBatchStatus
  303: fault('Veritabanı hatası.', 'Receiver', true),
  304: fault('Paket bulunamamıştır.', 'Sender', false),
  // Ek-2 §4: the ZIP checks, the same ones e-Fatura makes on an envelope (texts as in codes.ts)
  1110: fault(GIB_STATUSES[1110]!.text, 'Sender', false),
  1130: fault(GIB_STATUSES[1130]!.text, 'Sender', false),
  1131: fault(GIB_STATUSES[1131]!.text, 'Sender', false),
  1132: fault(GIB_STATUSES[1132]!.text, 'Sender', false),
  1133: fault(GIB_STATUSES[1133]!.text, 'Sender', false),
  1195: fault(GIB_STATUSES[1195]!.text, 'Receiver', true),
  // ours: getUserList's `type` is GB or PK (the two lists GİB publishes)
  400: fault('Geçersiz kullanıcı listesi tipi (GB veya PK olmalı).', 'Sender', false),
});

/** Retry/SOAP-side table of the EArsivFault codes, for the client's error (client-errors.ts). */
export const EARSIV_FAULT_KIND: Readonly<Record<number, { soap: EarsivFaultSide; retryable: boolean }>> = EARSIV_FAULTS;

/** The text of an EArsivFault code; '' when unknown. */
export function earsivFaultText(code: number): string {
  return EARSIV_FAULTS[code]?.text ?? '';
}

/** A check on the e-Arşiv service's side that answers the call with an EArsivFault. */
export class EarsivFaultError extends Error {
  readonly code: number;
  /** The table's text for the code. */
  readonly text: string;
  readonly detail: string;
  override readonly cause?: unknown;

  constructor(code: number, detail = '', cause?: unknown) {
    const text = earsivFaultText(code);
    const cut = detail.length > 300 ? `${detail.slice(0, 300)}…` : detail;
    super(cut ? `${text} ${cut}`.trim() : text);
    this.name = 'EarsivFaultError';
    this.code = code;
    this.text = text;
    this.detail = cut;
    this.cause = cause;
  }
}

export type EarsivBatchOutcome = 'pending' | 'accepted' | 'rejected';

/**
 * durumKodu values the simulator gives (Ek-2 §4 codes and texts, see the file comment), with their meaning for a
 * report: queued and processing are pending; 1300 accepted; each 11xx a final rejection.
 *   1000 ZARF KUYRUGA EKLENDI        the report was taken in (sendDocumentFile answered)
 *   1100 ZARF ISLENIYOR              checks running
 *   1140 DOKUMAN AYRISTIRILAMADI     the report is not well-formed XML (1132: not XML at all)
 *   1142 ZARF ID VE ZIP DOSYASI ADI AYNI OLMALI   raporNo is not the package name
 *   1150 SCHEMATRON KONTROL SONUCU HATALI         a rule beyond the schema
 *   1160 XML SEMA KONTROLUNDEN GECEMEDI           EArsiv.xsd (a missing ds:Signature included)
 *   1161 IMZA SAHIBI TCKN VKN ALINAMADI           no signature, or a certificate without VKN/TCKN
 *   1163 …DAHA ONCE KAYITLI OLAN BIR FATURAYI ICERMEKTEDIR.   an ETTN or invoice number already reported
 *   1176 IMZA SAHIBI YETKISIZ        the signer is neither the report's preparer (hazirlayan) nor its taxpayer
 *   1177 GEÇERSİZ İMZA               the signature does not verify or its chain is not trusted
 *   1195 SISTEM HATASI
 *   1300 BASARIYLA TAMAMLANDI        accepted
 */
export const EARSIV_BATCH_STATUSES: Readonly<Record<number, { readonly text: string; readonly outcome: EarsivBatchOutcome }>> = Object.freeze(
  Object.fromEntries(
    [1000, 1100, 1132, 1140, 1142, 1150, 1160, 1161, 1163, 1176, 1177, 1195, 1300].map((code) => [
      code,
      Object.freeze({ text: GIB_STATUSES[code]!.text, outcome: earsivBatchOutcome(code) }),
    ]),
  ),
);

/** GİB's text for a durumKodu ('' when unknown). */
export function earsivBatchText(code: number): string {
  return GIB_STATUSES[code]?.text ?? '';
}

/**
 * What a durumKodu means for the report. 1200 and 1300 are success (a report has no delivery step after
 * processing); 1000/1100 pending; any other final 11xx an error (gibStatus's reading of Ek-2 §4.1). A code outside
 * all of these is pending, so the caller keeps asking rather than settling on a guess.
 */
export function earsivBatchOutcome(code: number): EarsivBatchOutcome {
  if (code === 1200 || code === 1300) return 'accepted';
  const s = gibStatus(code);
  return s.final && s.outcome === 'error' ? 'rejected' : 'pending';
}

// ---------------------------------------------------------------------------------------------------------------
// Builders

export interface EarsivAttachment {
  fileName: string;
  binaryData: Buffer;
}

/** tns:durum. */
export interface EarsivBatchStatus {
  durumKodu: number;
  durumAciklama?: string;
  paketId?: string;
  /** TCKimlikNo (11 digits) */
  tcKimlikNo?: string;
  /** vergiKimlikNo (10 digits) */
  vergiKimlikNo?: string;
}

function tns(local: string, inner: string): string {
  return `<ea:${local} xmlns:ea="${EARSIV_WS_NS}">${inner}</ea:${local}>`;
}

function attachment(name: string, a: EarsivAttachment): string {
  if (!Buffer.isBuffer(a.binaryData)) throw invalidField(`${name}.binaryData`, 'Buffer olmalı');
  return `<${name}>${leaf('fileName', a.fileName, `${name}.fileName`)}<binaryData>${a.binaryData.toString('base64')}</binaryData></${name}>`;
}

export function buildSendDocumentFileRequest(a: EarsivAttachment): Buffer {
  return soap12Envelope(tns('sendDocumentFile', attachment('Attachment', a)));
}

/** The answer to sendDocumentFile: `return`, a string (the simulator puts the package ID there). */
export function buildSendDocumentFileResponse(result: string): Buffer {
  return soap12Envelope(tns('sendDocumentFileResponse', leaf('return', result)));
}

export function buildGetBatchStatusRequest(paketId: string): Buffer {
  return soap12Envelope(tns('getBatchStatus', leaf('paketId', paketId)));
}

export function buildGetBatchStatusResponse(d: EarsivBatchStatus): Buffer {
  if (!Number.isInteger(d.durumKodu) || d.durumKodu < -2147483648 || d.durumKodu > 2147483647) throw invalidField('durumKodu', 'xs:int olmalı');
  const opt = (name: string, v: string | undefined): string => (v === undefined ? '' : leaf(name, v));
  return soap12Envelope(
    tns(
      'getBatchStatusResponse',
      '<return>' +
        opt('durumAciklama', d.durumAciklama) +
        leaf('durumKodu', String(d.durumKodu)) +
        opt('paketId', d.paketId) +
        opt('TCKimlikNo', d.tcKimlikNo) +
        opt('vergiKimlikNo', d.vergiKimlikNo) +
        '</return>',
    ),
  );
}

/** getUserList; `type` is left out when not given (minOccurs="0"). */
export function buildGetUserListRequest(type?: string): Buffer {
  return soap12Envelope(tns('getUserList', type === undefined ? '' : leaf('type', type)));
}

export function buildGetUserListResponse(a: EarsivAttachment): Buffer {
  return soap12Envelope(tns('getUserListResponse', attachment('return', a)));
}

/** A SOAP 1.2 fault with the EArsivFault detail; the message defaults to the table's text for the code. */
export function buildEArsivFault(code: number, message?: string): Buffer {
  const text = message ?? EARSIV_FAULTS[code]?.text;
  if (text === undefined) throw invalidField('fault.code', `${code} tablodaki bir EArsivFault kodu değil, mesaj verilmeli`);
  if (!Number.isInteger(code)) throw invalidField('fault.code', 'xs:int olmalı');
  const side = EARSIV_FAULTS[code]?.soap ?? 'Receiver';
  return soap12Fault(side, text, tns('EArsivFault', `<code>${code}</code>${leaf('message', text, 'fault.message')}`));
}

/** getBatchStatus's other fault (an empty InterruptedException element): the query was interrupted; ask again. */
export function buildInterruptedException(reason = 'InterruptedException'): Buffer {
  return soap12Fault('Receiver', reason, `<ea:InterruptedException xmlns:ea="${EARSIV_WS_NS}"/>`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export type EarsivSoapMessage =
  | { kind: 'sendDocumentFile'; attachment: EarsivAttachment | null }
  | { kind: 'sendDocumentFileResponse'; result: string }
  | { kind: 'getBatchStatus'; paketId: string }
  | { kind: 'getBatchStatusResponse'; status: EarsivBatchStatus | null }
  | { kind: 'getUserList'; type?: string }
  | { kind: 'getUserListResponse'; attachment: EarsivAttachment | null }
  | {
      kind: 'fault';
      soapCode: string;
      reason: string;
      /** From the EArsivFault detail, when there is one (a nil code stays undefined). */
      code?: number;
      message?: string;
      /** The detail is InterruptedException. */
      interrupted?: boolean;
    };

/**
 * Reads a SOAP message of the e-Arşiv service (1.2, and 1.1 for peers that answer in it). Throws GatewayError:
 * REQUEST_DOCTYPE, REQUEST_MALFORMED (not XML, not SOAP, an unknown body element), REQUEST_FIELD (a field that is
 * not what the WSDL types it as). A sendDocumentFile without Attachment is returned with `attachment: null`, for the
 * service to answer 103 (Attachment null).
 */
export function parseEarsivSoapMessage(xml: Buffer, limits: Partial<XmlLimits> = DOCUMENT_LIMITS): EarsivSoapMessage {
  const { soapNs, el } = soapBodyElement(xml, limits);
  if (el.ns === soapNs && el.local === 'Fault') {
    const f = readSoapFault(el, soapNs);
    const ef = f.detail && child(f.detail, EARSIV_WS_NS, 'EArsivFault');
    if (ef) {
      const codeText = child(ef, '', 'code')?.text.trim() ?? '';
      const message = child(ef, '', 'message')?.text.trim();
      return {
        kind: 'fault',
        soapCode: f.soapCode,
        reason: f.reason,
        ...(/^[+-]?[0-9]+$/.test(codeText) ? { code: Number(codeText) } : {}),
        ...(message !== undefined ? { message } : {}),
      };
    }
    const interrupted = f.detail ? child(f.detail, EARSIV_WS_NS, 'InterruptedException') !== undefined : false;
    return { kind: 'fault', soapCode: f.soapCode, reason: f.reason, ...(interrupted ? { interrupted } : {}) };
  }
  if (el.ns !== EARSIV_WS_NS) throw new GatewayError('REQUEST_MALFORMED', {}, `unknown body element {${el.ns}}${el.local}`);
  switch (el.local) {
    case 'sendDocumentFile': {
      const a = child(el, '', 'Attachment');
      return { kind: 'sendDocumentFile', attachment: a ? readAttachment(a) : null };
    }
    case 'sendDocumentFileResponse':
      return { kind: 'sendDocumentFileResponse', result: child(el, '', 'return')?.text.trim() ?? '' };
    case 'getBatchStatus':
      return { kind: 'getBatchStatus', paketId: child(el, '', 'paketId')?.text.trim() ?? '' };
    case 'getBatchStatusResponse': {
      const r = child(el, '', 'return');
      return { kind: 'getBatchStatusResponse', status: r ? readDurum(r) : null };
    }
    case 'getUserList': {
      const t = child(el, '', 'type');
      return { kind: 'getUserList', ...(t ? { type: t.text.trim() } : {}) };
    }
    case 'getUserListResponse': {
      const r = child(el, '', 'return');
      return { kind: 'getUserListResponse', attachment: r ? readAttachment(r) : null };
    }
    default:
      throw new GatewayError('REQUEST_MALFORMED', {}, `unknown operation element ${el.local}`);
  }
}

function readAttachment(el: XmlElement): EarsivAttachment {
  const data = child(el, '', 'binaryData');
  return { fileName: child(el, '', 'fileName')?.text.trim() ?? '', binaryData: data ? base64Content(data) : Buffer.alloc(0) };
}

function readDurum(el: XmlElement): EarsivBatchStatus {
  const codeText = child(el, '', 'durumKodu')?.text.trim() ?? '';
  if (!/^[+-]?[0-9]{1,10}$/.test(codeText)) throw new GatewayError('REQUEST_FIELD', { field: 'durumKodu (xs:int değil)' });
  const opt = (local: string, key: keyof EarsivBatchStatus): Partial<EarsivBatchStatus> => {
    const c = child(el, '', local);
    return c ? { [key]: c.text.trim() } : {};
  };
  return {
    durumKodu: Number(codeText),
    ...opt('durumAciklama', 'durumAciklama'),
    ...opt('paketId', 'paketId'),
    ...opt('TCKimlikNo', 'tcKimlikNo'),
    ...opt('vergiKimlikNo', 'vergiKimlikNo'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The report package

/**
 * The package name of a report: `<raporNo>.zip` holding `<raporNo>.xml` — the e-Fatura envelope's rule (Ek-3 §7.7,
 * name = InstanceIdentifier) applied to the report's own UUID (EArsiv.xsd baslik/raporNo). GİB's WSDL names no
 * convention; the package ID that getBatchStatus takes is this raporNo (as e-Defter's paket ID is its package name,
 * Web Servis Kılavuzu §2.2–2.3). Throws EarsivFaultError 104 (empty) or 108 (anything but `<UUID>.zip`: a path,
 * another extension, a name that is no UUID).
 */
export function reportIdFromFileName(fileName: string): string {
  if (fileName.trim() === '') throw new EarsivFaultError(104);
  const m = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.zip$/.exec(fileName);
  if (!m) throw new EarsivFaultError(108, `${JSON.stringify(fileName.slice(0, 100))}: <raporNo (UUID)>.zip olmalı`);
  return m[1]!;
}
