/**
 * The messages of GİB's e-Defter web service (EDefterWsPort; Web Servis Kılavuzu V1.7): SOAP 1.2 in the namespace
 * http://webservice.edefter.gib.gov.tr/ (prefix `web` in the guide's sample), every request signed with WS-Security
 * X.509 (./wsse-x509.ts). Three operations (§2.1–2.3):
 *
 *   sendDocumentFile(Attachment{fileName, binaryData})  one ZIP per part, `VKN-YYYYMM-YB|KB-NNNNNN.zip`, holding the
 *                                                       part's book and its berat; answers "[paketAdı] paketi işleme alındı"
 *   getBatchStatus(paketID)                             the latest package of that ID (`…-YB-…` or `…-Y-…`)
 *   receiveDocumentFile(paketID)                        GİB's approved berats of a processed package, as a ZIP
 *
 * and the fault codes of §4 (101–114, 203–206, 303–305) with the guide's texts. The guide gives no WSDL and no answer
 * types, so two things here are ours, shaped like the sibling e-Arşiv service's (earsiv-ws.ts): the fault detail
 * `web:EDefterFault{code, message}`, and getBatchStatus's `return{paketID, durumKodu, durumAciklama}` with the codes
 * in EDEFTER_BATCH_STATUSES. Child elements are unqualified, as in the guide's sample (`<paketID>`).
 */
import { GatewayError } from '../../faults';
import { type XmlElement } from '../../xml/parse';
import { invalidField } from './errors';
import { child, leaf } from './markup';
import { base64Content, readSoapFault, soap12Fault, soap12Envelope, soapBodyElement } from './soap';

export const EDEFTER_WS_NS = 'http://webservice.edefter.gib.gov.tr/';

/** §4 "Hata Kodları ve Açıklamaları", as printed. */
export const EDEFTER_FAULTS: Readonly<Record<number, string>> = Object.freeze({
  101: 'Kullanıcının erişim yetkilendirme sistemindeki kullanıcı kodu bulunamadı.',
  102: 'Kullanıcının ilgili rolü yok.',
  103: 'Attachment null.',
  104: 'Paket adı boş.',
  105: 'Paket içeriği boş.',
  106: 'Paket maksimum boyutu geçmiş.',
  107: 'Datahandler hatası.',
  108: 'Paket adı geçerli değil.',
  109: 'SOAP mesajındaki imza sahibinin paketi yollama yetkisi yok.',
  110: 'Veritabanı hatası.',
  111: 'Paket sisteme daha önce yüklenmiş.',
  112: 'Disk hatası.',
  113: 'İşlem kuyruğu hatası.',
  114: 'Bu mükellef şu anda paket yükleyemez.',
  203: 'Veritabanı hatası.',
  204: 'Başarı ile işlenmiş bir paket bulunamadı.',
  205: 'GIB Onaylı berat paketi bulunmuştur fakat SOAP mesajındaki imza sahibinin indirmeye yetkisi yoktur.',
  206: 'Disk hatası.',
  303: 'Veritabanı hatası.',
  304: 'Paket bulunamamıştır.',
  305: 'Paket bulunmuştur fakat SOAP mesajındaki imza sahibinin paketin durumunu sorgulamaya yetkisi yoktur.',
});

/** GİB's own failures (database, disk, queue): the same call may work later. The rest are the caller's doing. */
export const EDEFTER_RETRYABLE: ReadonlySet<number> = new Set([107, 110, 112, 113, 203, 206, 303]);

export class EdefterFaultError extends Error {
  override name = 'EdefterFaultError';
  constructor(
    readonly code: number,
    detail?: string,
  ) {
    super(detail ? `${EDEFTER_FAULTS[code] ?? 'Hata'} ${detail}` : (EDEFTER_FAULTS[code] ?? `Hata ${code}`));
  }
}

/** getBatchStatus's durumKodu (ours, see the file comment): a package is being checked, approved, or refused. */
export const EDEFTER_BATCH_STATUSES = Object.freeze({
  0: { text: 'Paket işleniyor.', outcome: 'pending' },
  1: { text: 'Paket başarıyla işlendi, GİB onaylı berat indirilebilir.', outcome: 'approved' },
  2: { text: 'Paket işlenirken hata oluştu.', outcome: 'rejected' },
} as const);
export type EdefterBatchCode = keyof typeof EDEFTER_BATCH_STATUSES;

export interface EdefterAttachment {
  fileName: string;
  binaryData: Buffer;
}

export interface EdefterBatchStatus {
  paketID: string;
  durumKodu: EdefterBatchCode;
  /** For a refused package, GİB's reason (the check's text). */
  durumAciklama: string;
}

const PACKAGE = /^(\d{10,11})-(\d{4})(\d{2})-(YB|KB|DR)-(\d{6})\.zip$/;

/**
 * The parts of a package name `VKN-YYYYMM-YB|KB-NNNNNN.zip` (§2.1); EdefterFaultError 104/108 otherwise. Ours
 * besides: `VKN-YYYYMM-DR-000000.zip`, the month's Defter Raporu Beratı, which GİB takes "the way berats are taken"
 * (Teknik Kılavuz §2.8) after the month's berats, through its portal; the guide gives the web service no word on it.
 */
export function parsePackageName(fileName: string): { vkn: string; period: string; kind: 'YB' | 'KB' | 'DR'; part: number; id: string } {
  if (fileName.trim() === '') throw new EdefterFaultError(104);
  const m = PACKAGE.exec(fileName);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 12 || (m[4] === 'DR' && m[5] !== '000000')) {
    throw new EdefterFaultError(108, `${JSON.stringify(fileName.slice(0, 100))}: VKN-YYYYAA-YB|KB-NNNNNN.zip veya VKN-YYYYAA-DR-000000.zip olmalı`);
  }
  return { vkn: m[1]!, period: `${m[2]}-${m[3]}`, kind: m[4] as 'YB' | 'KB' | 'DR', part: Number(m[5]), id: fileName.slice(0, -4) };
}

const web = (local: string, inner: string) => `<web:${local} xmlns:web="${EDEFTER_WS_NS}">${inner}</web:${local}>`;

function attachment(name: string, a: EdefterAttachment): string {
  if (!Buffer.isBuffer(a.binaryData)) throw invalidField(`${name}.binaryData`, 'Buffer olmalı');
  return `<${name}>${leaf('fileName', a.fileName, `${name}.fileName`)}<binaryData>${a.binaryData.toString('base64')}</binaryData></${name}>`;
}

/** Request bodies (the caller signs them into a message with signedSoap12). */
export const edefterRequest = {
  sendDocumentFile: (a: EdefterAttachment) => web('sendDocumentFile', attachment('Attachment', a)),
  getBatchStatus: (paketID: string) => web('getBatchStatus', leaf('paketID', paketID)),
  receiveDocumentFile: (paketID: string) => web('receiveDocumentFile', leaf('paketID', paketID)),
};

/** Answers (unsigned SOAP 1.2, as GİB's services answer). */
export const edefterResponse = {
  sendDocumentFile: (fileName: string) => soap12Envelope(web('sendDocumentFileResponse', leaf('return', `${fileName} paketi işleme alındı`))),
  getBatchStatus: (s: EdefterBatchStatus) =>
    soap12Envelope(web('getBatchStatusResponse', `<return>${leaf('paketID', s.paketID)}<durumKodu>${s.durumKodu}</durumKodu>${leaf('durumAciklama', s.durumAciklama)}</return>`)),
  receiveDocumentFile: (a: EdefterAttachment) => soap12Envelope(web('receiveDocumentFileResponse', attachment('return', a))),
  fault: (code: number, message?: string) => {
    const text = message ?? EDEFTER_FAULTS[code];
    if (text === undefined) throw invalidField('fault.code', `${code} kılavuzdaki bir kod değil, mesaj verilmeli`);
    return soap12Fault(EDEFTER_RETRYABLE.has(code) ? 'Receiver' : 'Sender', text, web('EDefterFault', `<code>${code}</code>${leaf('message', text, 'fault.message')}`));
  },
};

export type EdefterSoapMessage =
  | { kind: 'sendDocumentFile'; attachment: EdefterAttachment | null }
  | { kind: 'sendDocumentFileResponse'; result: string }
  | { kind: 'getBatchStatus' | 'receiveDocumentFile'; paketID: string }
  | { kind: 'getBatchStatusResponse'; status: EdefterBatchStatus }
  | { kind: 'receiveDocumentFileResponse'; attachment: EdefterAttachment }
  | { kind: 'fault'; soapCode: string; reason: string; code?: number; message?: string };

function readAttachment(el: XmlElement): EdefterAttachment {
  const data = child(el, '', 'binaryData');
  return { fileName: child(el, '', 'fileName')?.text.trim() ?? '', binaryData: data ? base64Content(data) : Buffer.alloc(0) };
}

/** The body element of a message of the service (a request's, once verifySoap12 has passed it, or an answer). */
export function readEdefterBody(el: XmlElement, soapNs: string): EdefterSoapMessage {
  if (el.ns === soapNs && el.local === 'Fault') {
    const f = readSoapFault(el, soapNs);
    const ef = f.detail && child(f.detail, EDEFTER_WS_NS, 'EDefterFault');
    const code = ef ? child(ef, '', 'code')?.text.trim() ?? '' : '';
    const message = ef ? child(ef, '', 'message')?.text.trim() : undefined;
    return { kind: 'fault', soapCode: f.soapCode, reason: f.reason, ...(/^[0-9]+$/.test(code) ? { code: Number(code) } : {}), ...(message !== undefined ? { message } : {}) };
  }
  if (el.ns !== EDEFTER_WS_NS) throw new GatewayError('REQUEST_MALFORMED', {}, `unknown body element {${el.ns}}${el.local}`);
  const paketID = () => child(el, '', 'paketID')?.text.trim() ?? '';
  switch (el.local) {
    case 'sendDocumentFile': {
      const a = child(el, '', 'Attachment');
      return { kind: 'sendDocumentFile', attachment: a ? readAttachment(a) : null };
    }
    case 'getBatchStatus':
    case 'receiveDocumentFile':
      return { kind: el.local, paketID: paketID() };
    case 'sendDocumentFileResponse':
      return { kind: 'sendDocumentFileResponse', result: child(el, '', 'return')?.text.trim() ?? '' };
    case 'getBatchStatusResponse': {
      const r = child(el, '', 'return');
      const code = Number(r ? child(r, '', 'durumKodu')?.text.trim() : NaN);
      if (!r || !(code in EDEFTER_BATCH_STATUSES)) throw new GatewayError('REQUEST_FIELD', { field: 'durumKodu' });
      return { kind: 'getBatchStatusResponse', status: { paketID: child(r, '', 'paketID')?.text.trim() ?? '', durumKodu: code as EdefterBatchCode, durumAciklama: child(r, '', 'durumAciklama')?.text.trim() ?? '' } };
    }
    case 'receiveDocumentFileResponse': {
      const r = child(el, '', 'return');
      if (!r) throw new GatewayError('REQUEST_FIELD', { field: 'return' });
      return { kind: 'receiveDocumentFileResponse', attachment: readAttachment(r) };
    }
    default:
      throw new GatewayError('REQUEST_MALFORMED', {}, `unknown operation element ${el.local}`);
  }
}

/** Reads an answer of the service (the client's side). */
export function parseEdefterAnswer(xml: Buffer): EdefterSoapMessage {
  const { soapNs, el } = soapBodyElement(xml);
  return readEdefterBody(el, soapNs);
}
