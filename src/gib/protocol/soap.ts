/**
 * The SOAP messages of GİB's EFatura web service (../shared/gib/e-fatura-paketi/wsdl/EFatura_Test.wsdl): SOAP 1.2,
 * document/literal, target namespace http://gib.gov.tr/vedop3/eFatura. GİB serves it and every integrator serves
 * the same contract for what GİB pushes to it (Ek-3 §7), so both directions are here: requests and responses of
 * sendDocument and getApplicationResponse, and the EFaturaFault of codes 2000–2007 (Ek-3 §8). No HTTP: the
 * client and the server side wrap these.
 *
 * From the WSDL's schema: the body elements documentRequest, documentResponse, getAppRespRequest,
 * getAppRespResponse and EFaturaFault are qualified; their children (fileName, binaryData, hash, msg,
 * instanceIdentifier, applicationResponse, code) are not (the schema has no elementFormDefault). binaryData is
 * xmime:base64Binary — inline base64 here; a peer using MTOM (Entegrasyon Kılavuzu v1.10 §4.5 item 5) sends an
 * xop:Include instead, which the parser reports by its href for the HTTP layer to resolve.
 */
import { GatewayError, isGatewayError } from '../../faults';
import { DOCUMENT_LIMITS, parseXml, type XmlDocument, type XmlElement, type XmlLimits } from '../../xml/parse';
import { EFATURA_FAULTS, EFATURA_FAULT_KIND } from './codes';
import { invalidField } from './errors';
import { NS, XML_DECLARATION, child, escapeAttr, escapeText, leaf } from './markup';

/** soap12:operation/@soapAction of the binding; in SOAP 1.2 it travels as the `action` parameter of Content-Type. */
export const SOAP_ACTIONS = { sendDocument: 'sendDocument', getApplicationResponse: 'getApplicationResponse' } as const;
export type SoapOperation = keyof typeof SOAP_ACTIONS;

/** The HTTP Content-Type of a SOAP 1.2 message (RFC 3902), with the operation's action when it is a request. */
export function soapContentType(operation?: SoapOperation): string {
  return `application/soap+xml; charset=utf-8${operation ? `; action="${SOAP_ACTIONS[operation]}"` : ''}`;
}

export interface SendDocumentRequest {
  /** `<envelope UUID>.zip` (Ek-3 §7.7). */
  fileName: string;
  /** The ZIP (see package.ts). */
  binaryData: Buffer;
  /** MD5 of the ZIP, 32 hexadecimal characters. */
  hash: string;
  /** xmime:contentType of binaryData; left out unless given. */
  contentType?: string;
}

export interface SendDocumentResponse {
  msg: string;
  /** The hash the receiving side computed (Ek-3 §7.2.1: "kendi hesapladığı özet değeri ile mesajı … döner"). */
  hash: string;
}

/** A SOAP 1.2 envelope around one Body element (also used by the e-Arşiv service's codec, earsiv-ws.ts). */
export function soap12Envelope(body: string): Buffer {
  return Buffer.from(
    `${XML_DECLARATION}\n<soap:Envelope xmlns:soap="${NS.soap12}"><soap:Body>${body}</soap:Body></soap:Envelope>\n`,
    'utf8',
  );
}
const envelope = soap12Envelope;

/** A SOAP 1.2 fault: soap:Sender or soap:Receiver, the reason text, and the service's detail element (markup). */
export function soap12Fault(side: 'Sender' | 'Receiver', reason: string, detail: string): Buffer {
  return envelope(
    '<soap:Fault>' +
      `<soap:Code><soap:Value>soap:${side}</soap:Value></soap:Code>` +
      `<soap:Reason><soap:Text xml:lang="tr">${escapeText(reason, 'fault.msg')}</soap:Text></soap:Reason>` +
      `<soap:Detail>${detail}</soap:Detail>` +
      '</soap:Fault>',
  );
}

export function buildSendDocumentRequest(r: SendDocumentRequest): Buffer {
  const ct = r.contentType === undefined ? '' : ` xmlns:xmime="${NS.xmime}" xmime:contentType="${escapeAttr(r.contentType)}"`;
  return envelope(
    `<ef:documentRequest xmlns:ef="${NS.gib}">` +
      leaf('fileName', r.fileName) +
      `<binaryData${ct}>${r.binaryData.toString('base64')}</binaryData>` +
      leaf('hash', r.hash) +
      '</ef:documentRequest>',
  );
}

export function buildSendDocumentResponse(r: SendDocumentResponse): Buffer {
  return envelope(`<ef:documentResponse xmlns:ef="${NS.gib}">${leaf('msg', r.msg)}${leaf('hash', r.hash)}</ef:documentResponse>`);
}

export function buildGetApplicationResponseRequest(instanceIdentifier: string): Buffer {
  return envelope(`<ef:getAppRespRequest xmlns:ef="${NS.gib}">${leaf('instanceIdentifier', instanceIdentifier)}</ef:getAppRespRequest>`);
}

/**
 * The answer to getApplicationResponse: the system response's SYSTEMENVELOPE as a string (Ek-3 §7.2.2,
 * "sorgulanan zarfa ait sistem yanıtı içeren zarfın XML'i (String tipinde)"), escaped as character data.
 */
export function buildGetApplicationResponseResponse(applicationResponse: string | Buffer): Buffer {
  const text = typeof applicationResponse === 'string' ? applicationResponse : applicationResponse.toString('utf8');
  return envelope(`<ef:getAppRespResponse xmlns:ef="${NS.gib}"><applicationResponse>${escapeText(text, 'applicationResponse')}</applicationResponse></ef:getAppRespResponse>`);
}

/**
 * A SOAP 1.2 fault with GİB's EFaturaFault detail, as Ek-3 §8 shows it (`<ns2:EFaturaFault
 * xmlns:ns2="http://gib.gov.tr/vedop3/eFatura"><code>…</code><msg>…</msg></ns2:EFaturaFault>`). The message defaults
 * to GİB's text for the code; the Code is soap:Sender or soap:Receiver by EFATURA_FAULT_KIND.
 */
export function buildEFaturaFault(code: number, msg?: string): Buffer {
  const text = msg ?? EFATURA_FAULTS[code];
  if (text === undefined) throw invalidField('fault.code', `${code} bir EFatura hata kodu değil (2000–2007), mesaj verilmeli`);
  const side = EFATURA_FAULT_KIND[code]?.soap ?? 'Receiver';
  return soap12Fault(side, text, `<ns2:EFaturaFault xmlns:ns2="${NS.gib}"><code>${code}</code>${leaf('msg', text, 'fault.msg')}</ns2:EFaturaFault>`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export type SoapMessage =
  | {
      kind: 'sendDocument';
      fileName: string;
      /** The decoded bytes; null when the data came as an MTOM attachment (see `xopHref`). */
      binaryData: Buffer | null;
      /** href of an xop:Include (`cid:…`) standing for the data. */
      xopHref?: string;
      contentType?: string;
      hash: string;
    }
  | { kind: 'sendDocumentResponse'; msg: string; hash: string }
  | { kind: 'getApplicationResponse'; instanceIdentifier: string }
  | { kind: 'getApplicationResponseResponse'; applicationResponse: string }
  | {
      kind: 'fault';
      /** soap:Sender / soap:Receiver (1.2) or faultcode (1.1), as written. */
      soapCode: string;
      reason: string;
      /** From the EFaturaFault detail, when there is one. */
      code?: number;
      msg?: string;
    };

/**
 * Read a SOAP message of the EFatura service (1.2, and 1.1 for peers that answer in it). Throws GatewayError:
 * REQUEST_DOCTYPE, REQUEST_LIMIT, REQUEST_MALFORMED (not XML, not a SOAP envelope, an unknown body), REQUEST_FIELD
 * (a field missing or not what the WSDL types it as). A server reading requests passes SOAP_REQUEST_LIMITS.
 */
export function parseSoapMessage(xml: Buffer, limits: Partial<XmlLimits> = DOCUMENT_LIMITS): SoapMessage {
  const { soapNs, el } = soapBodyElement(xml, limits);
  if (el.ns === soapNs && el.local === 'Fault') {
    const f = readSoapFault(el, soapNs);
    return readEFaturaFault(f.soapCode, f.reason, f.detail);
  }
  if (el.ns !== NS.gib) throw new GatewayError('REQUEST_MALFORMED', {}, `unknown body element {${el.ns}}${el.local}`);
  switch (el.local) {
    case 'documentRequest': {
      const data = child(el, '', 'binaryData');
      if (!data) throw new GatewayError('REQUEST_FIELD', { field: 'binaryData' });
      const include = data.children.find((c) => c.ns === NS.xop && c.local === 'Include');
      const contentType = data.attrs.find((a) => a.ns === NS.xmime && a.local === 'contentType')?.value;
      const common = { fileName: field(el, 'fileName'), hash: field(el, 'hash'), ...(contentType !== undefined ? { contentType } : {}) };
      if (include) {
        const href = include.attrs.find((a) => a.ns === '' && a.local === 'href')?.value;
        if (!href) throw new GatewayError('REQUEST_FIELD', { field: 'binaryData/xop:Include/@href' });
        return { kind: 'sendDocument', ...common, binaryData: null, xopHref: href };
      }
      return { kind: 'sendDocument', ...common, binaryData: base64(data) };
    }
    case 'documentResponse':
      return { kind: 'sendDocumentResponse', msg: field(el, 'msg', true), hash: field(el, 'hash', true) };
    case 'getAppRespRequest':
      return { kind: 'getApplicationResponse', instanceIdentifier: field(el, 'instanceIdentifier') };
    case 'getAppRespResponse':
      // Not trimmed: the string is a document of its own.
      return { kind: 'getApplicationResponseResponse', applicationResponse: child(el, '', 'applicationResponse')?.text ?? '' };
    default:
      throw new GatewayError('REQUEST_MALFORMED', {}, `unknown operation element ${el.local}`);
  }
}

/**
 * The one element in the Body of a SOAP 1.2 (or 1.1) message. Throws GatewayError REQUEST_DOCTYPE, REQUEST_LIMIT
 * (past `limits`) or REQUEST_MALFORMED (not XML, not a SOAP envelope, not exactly one Body element).
 */
export function soapBodyElement(xml: Buffer, limits: Partial<XmlLimits> = DOCUMENT_LIMITS): { soapNs: string; el: XmlElement } {
  let doc: XmlDocument;
  try {
    doc = parseXml(xml, limits);
  } catch (err) {
    if (isGatewayError(err) && err.fault === 'DOCUMENT_DOCTYPE') throw new GatewayError('REQUEST_DOCTYPE', {}, err);
    if (isGatewayError(err) && err.fault === 'DOCUMENT_LIMIT') throw new GatewayError('REQUEST_LIMIT', { detail: String(err.params.detail) }, err);
    throw new GatewayError('REQUEST_MALFORMED', {}, err);
  }
  const root = doc.root;
  const soapNs = root.ns === NS.soap12 || root.ns === NS.soap11 ? root.ns : null;
  if (!soapNs || root.local !== 'Envelope') throw new GatewayError('REQUEST_MALFORMED', {}, 'not a SOAP envelope');
  const body = child(root, soapNs, 'Body');
  if (!body || body.children.length !== 1) throw new GatewayError('REQUEST_MALFORMED', {}, 'SOAP Body must hold one element');
  return { soapNs, el: body.children[0]! };
}

/** A child's trimmed text; the WSDL makes every field minOccurs="0", but an empty request field is no request. */
function field(el: XmlElement, local: string, optional = false): string {
  const c = child(el, '', local);
  const text = c?.text.trim() ?? '';
  if (!optional && text === '') throw new GatewayError('REQUEST_FIELD', { field: local });
  return text;
}

/** The decoded content of an xs:base64Binary element (white space allowed); REQUEST_FIELD when it is not base64. */
export function base64Content(el: XmlElement): Buffer {
  return base64(el);
}

function base64(el: XmlElement): Buffer {
  const text = el.text.replace(/[ \t\r\n]+/g, '');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new GatewayError('REQUEST_FIELD', { field: 'binaryData (base64 değil)' });
  return Buffer.from(text, 'base64');
}

/** Code, reason and detail element of a SOAP 1.2 or 1.1 Fault, as written. */
export function readSoapFault(el: XmlElement, soapNs: string): { soapCode: string; reason: string; detail: XmlElement | undefined } {
  let soapCode: string;
  let reason: string;
  let detail: XmlElement | undefined;
  if (soapNs === NS.soap12) {
    const code = child(el, soapNs, 'Code');
    soapCode = (code && child(code, soapNs, 'Value')?.text.trim()) ?? '';
    const r = child(el, soapNs, 'Reason');
    reason = (r && child(r, soapNs, 'Text')?.text.trim()) ?? '';
    detail = child(el, soapNs, 'Detail');
  } else {
    soapCode = child(el, '', 'faultcode')?.text.trim() ?? '';
    reason = child(el, '', 'faultstring')?.text.trim() ?? '';
    detail = child(el, '', 'detail');
  }
  return { soapCode, reason, detail };
}

function readEFaturaFault(soapCode: string, reason: string, detail: XmlElement | undefined): SoapMessage {
  const ef = detail && child(detail, NS.gib, 'EFaturaFault');
  if (!ef) return { kind: 'fault', soapCode, reason };
  const codeText = child(ef, '', 'code')?.text.trim() ?? '';
  const msg = child(ef, '', 'msg')?.text.trim();
  return {
    kind: 'fault',
    soapCode,
    reason,
    ...(/^-?[0-9]+$/.test(codeText) ? { code: Number(codeText) } : {}),
    ...(msg !== undefined ? { msg } : {}),
  };
}
