/**
 * e-Logo's PostBoxService over SOAP 1.1 as WCF's basicHttpBinding serves it (issue 15): `/PostBoxService.svc`, path
 * and query matched without regard to case as IIS does (`PostboxService.svc?singlewsdl`), the WSDL at `?wsdl` and
 * `?singleWsdl` (wsdl/PostBoxService.wsdl, one file), operations in `http://tempuri.org/`, data contracts in
 * `…/2004/07/eFaturaWebService` written in WCF's order (alphabetical), string arrays in
 * `…/2003/10/Serialization/Arrays`. Requests are read with the project's strict XML parser (no DTD, limits); an
 * operation is bound by its body element. Thin: each operation is one call of ./postbox.service.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Express, NextFunction, Request, Response } from 'express';
import { GatewayError, isGatewayError } from '../faults';
import { rawBody } from '../http/body';
import { requestContext } from '../soap/context';
import { hasDtd, soapLimitInspector } from '../soap/server';
import { NS } from '../xml/namespaces';
import { POSTBOX_REQUEST_LIMITS } from '../xml/limits';
import { parseXml, type XmlElement } from '../xml/parse';
import type { DocumentData, PostBoxService, ResultType } from './postbox.service';

export const POSTBOX_PATH = '/PostBoxService.svc';
export const POSTBOX_WSDL_FILE = path.join(__dirname, '..', '..', 'wsdl', 'PostBoxService.wsdl');
const TEMPURI = 'http://tempuri.org/';
const DC = 'http://schemas.datacontract.org/2004/07/eFaturaWebService';
const ARR = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays';

// --- reading ------------------------------------------------------------------------------------------------------

type Value = string | null | { [k: string]: Value | Value[] };

function isNil(el: XmlElement): boolean {
  return el.attrs.some((a) => a.ns === NS.xsi && a.local === 'nil' && a.value.trim() === 'true');
}

/** An element as plain data: its text, or its children by local name (repeated names as arrays), null when nil. */
function read(el: XmlElement): Value {
  if (isNil(el)) return null;
  if (el.children.length === 0) return el.text;
  const out: { [k: string]: Value | Value[] } = {};
  for (const c of el.children) {
    const v = read(c);
    const had = out[c.local];
    if (had === undefined) out[c.local] = v;
    else out[c.local] = Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

function text(v: Value | Value[] | undefined): string | null {
  return typeof v === 'string' ? v.trim() : null;
}

function obj(v: Value | Value[] | undefined): { [k: string]: Value | Value[] } {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** An ArrayOfstring's values. */
function strings(v: Value | Value[] | undefined): string[] {
  const items = obj(v).string;
  return (Array.isArray(items) ? items : items === undefined ? [] : [items]).map((s) => (typeof s === 'string' ? s.trim() : '')).filter((s) => s !== '');
}

function base64(v: string | null): Buffer | null {
  if (v === null || v === '') return null;
  const clean = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new GatewayError('REQUEST_FIELD', { field: 'binaryData Value (base64)' });
  return Buffer.from(clean, 'base64');
}

// --- writing ------------------------------------------------------------------------------------------------------

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type Field = string | number | boolean | Date | Buffer | null | { $xml: string };

/** A data contract's members in WCF's order (ordinal, alphabetical), each `a:`-prefixed. */
function members(fields: Record<string, Field>): string {
  return Object.keys(fields)
    .sort()
    .map((k) => {
      const v = fields[k];
      if (v === null || v === undefined) return `<a:${k} i:nil="true"/>`;
      if (typeof v === 'object' && '$xml' in v) return `<a:${k}>${v.$xml}</a:${k}>`;
      const s = v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? v.toString('base64') : esc(String(v));
      return `<a:${k}>${s}</a:${k}>`;
    })
    .join('');
}

/** `<name>` holding a data contract (its namespaces declared on it, as WCF writes them). */
function contract(name: string, fields: Record<string, Field> | null): string {
  if (fields === null) return `<${name} i:nil="true" xmlns:i="${NS.xsi}"/>`;
  return `<${name} xmlns:a="${DC}" xmlns:i="${NS.xsi}">${members(fields)}</${name}>`;
}

function stringArray(list: readonly string[] | null | undefined): { $xml: string } | null {
  if (!list) return null;
  return { $xml: list.map((s) => `<b:string xmlns:b="${ARR}">${esc(s)}</b:string>`).join('') };
}

function resultXml(name: string, r: ResultType): string {
  const list = r.outputList && r.outputList.length > 0 ? r.outputList : null;
  const outputList = list ? `<a:outputList xmlns:b="${ARR}">${list.map((s) => `<b:string>${esc(s)}</b:string>`).join('')}</a:outputList>` : `<a:outputList i:nil="true" xmlns:b="${ARR}"/>`;
  return `<${name} xmlns:a="${DC}" xmlns:i="${NS.xsi}">${outputList}<a:resultCode>${r.resultCode}</a:resultCode><a:resultMsg>${esc(r.resultMsg)}</a:resultMsg></${name}>`;
}

function binary(d: DocumentData): { $xml: string } {
  return { $xml: `<a:Value>${d.binaryData.toString('base64')}</a:Value><a:contentType>base64Binary</a:contentType>` };
}

function envelope(op: string, inner: string): string {
  return `<s:Envelope xmlns:s="${NS.soap11}"><s:Body><${op}Response xmlns="${TEMPURI}">${inner}</${op}Response></s:Body></s:Envelope>`;
}

/** A SOAP 1.1 fault as WCF writes an untyped FaultException (e-Logo's Login fault: faultcode "Login"). */
function faultXml(code: string, message: string): string {
  return `<s:Envelope xmlns:s="${NS.soap11}"><s:Body><s:Fault><faultcode>${esc(code)}</faultcode><faultstring xml:lang="tr-TR">${esc(message)}</faultstring></s:Fault></s:Body></s:Envelope>`;
}

// --- operations ---------------------------------------------------------------------------------------------------

type Args = { [k: string]: Value | Value[] };
type Handler = (args: Args) => Promise<string>;

function operations(svc: PostBoxService): Record<string, Handler> {
  const session = (a: Args) => text(a.sessionID) ?? text(a.sessionId);
  return {
    Login: async (a) => {
      const login = obj(a.login);
      const sessionId = await svc.login(text(login.userName) ?? '', typeof login.passWord === 'string' ? login.passWord : '');
      return envelope('Login', `<LoginResult>true</LoginResult><sessionID>${sessionId}</sessionID>`);
    },
    Logout: async (a) => {
      const id = session(a);
      if (!id || !(await svc.logout(id))) throw new LoginFault('Logout', 'Geçersiz session id. Lütfen önce login olun!');
      return envelope('Logout', '');
    },
    SendDocument: async (a) => {
      const doc = obj(a.document);
      const r = await svc.sendDocument(session(a), strings(a.paramList), { binaryData: base64(text(obj(doc.binaryData).Value)), fileName: text(doc.fileName), hash: text(doc.hash) });
      return envelope('SendDocument', resultXml('SendDocumentResult', r.result) + `<refId>${r.refId}</refId>`);
    },
    GetDocumentStatus: async (a) => {
      const r = await svc.documentStatus(session(a), text(a.uuid), strings(a.paramList));
      // currentDate is a DateTime (a value type): WCF writes its default, never nil, when there is no date.
      const info = r.statusInfo ? { ...r.statusInfo, currentDate: r.statusInfo.currentDate ?? { $xml: '0001-01-01T00:00:00' } } : null;
      return envelope('GetDocumentStatus', resultXml('GetDocumentStatusResult', r.result) + contract('statusInfo', info));
    },
    GetDocument: async (a) => {
      const r = await svc.nextDocument(session(a), strings(a.paramList));
      const e = r.element;
      return envelope(
        'GetDocument',
        resultXml('GetDocumentResult', r.result) +
          contract('document', e ? { binaryData: binary(e), currentDate: e.currentDate, envelopeId: e.envelopeId, fileName: e.fileName, gbLabel: e.gbLabel, hash: e.hash, pkLabel: e.pkLabel } : null),
      );
    },
    GetDocumentDone: async (a) => envelope('GetDocumentDone', resultXml('GetDocumentDoneResult', await svc.documentDone(session(a), text(a.uuid), strings(a.paramList)))),
    GetDocumentData: async (a) => {
      const r = await svc.documentData(session(a), text(a.uuid), strings(a.paramList));
      const d = r.document;
      return envelope('GetDocumentData', resultXml('GetDocumentDataResult', r.result) + contract('document', d ? { binaryData: binary(d), currentDate: d.currentDate, fileName: d.fileName, hash: d.hash } : null));
    },
    GetDocumentList: async (a) => {
      const r = await svc.documentList(session(a), strings(a.paramList));
      const list = r.docs.map((d) => `<a:Document>${members({ docInfo: d.envelopeId ? stringArray([`ENVELOPEID=${d.envelopeId}`]) : null, documentId: null, documentJSon: null, documentUuid: d.documentUuid })}</a:Document>`).join('');
      return envelope('GetDocumentList', resultXml('GetDocumentListResult', r.result) + `<docList xmlns:a="${DC}" xmlns:i="${NS.xsi}">${list}</docList>`);
    },
    GetValidateGIBUser: async (a) => envelope('GetValidateGIBUser', resultXml('GetValidateGIBUserResult', await svc.validateGibUser(session(a), strings(a.paramList)))),
    CheckGibUser: async (a) => {
      const r = await svc.checkGibUsers(session(a), strings(a.vknTcknList));
      const info = (u: (typeof r.users)[number], role: 'GB' | 'PK') => {
        const aliases = u.aliases.filter((x) => x.role === role);
        if (aliases.length === 0) return null;
        return { $xml: aliases.map((x) => `<a:GibUserInfoType>${members({ Alias: x.alias, AliasCreationTime: null, FirstCreationTime: x.firstCreationTime ? { $xml: x.firstCreationTime.slice(0, 19) } : { $xml: '0001-01-01T00:00:00' }, Identifier: u.identifier, Title: x.title ?? '', Type: 'OZEL' })}</a:GibUserInfoType>`).join('') };
      };
      const users = r.users
        .map((u) => `<a:GibUserType>${members({ DespatchAdvice: 0, DespatchAdviceGbList: null, DespatchAdvicePkList: null, Identifier: u.identifier, Invoice: u.invoice, InvoiceGbList: info(u, 'GB'), InvoicePkList: info(u, 'PK') })}</a:GibUserType>`)
        .join('');
      return envelope('CheckGibUser', resultXml('CheckGibUserResult', r.result) + `<userList xmlns:a="${DC}" xmlns:i="${NS.xsi}">${users}</userList>`);
    },
    // Operations of the documents for what this gateway does not keep: e-Logo's "not supported" answer, never a crash.
    getUserListNew: async (a) => {
      const login = obj(a.login);
      const d = await svc.userList(text(login.userName) ?? '', typeof login.passWord === 'string' ? login.passWord : '', text(a.listType) ?? '');
      return envelope('getUserListNew', contract('getUserListNewResult', { binaryData: binary(d), currentDate: d.currentDate, fileName: d.fileName, hash: d.hash }));
    },
    getApplicationResponse: async () => {
      throw new LoginFault('getApplicationResponse', 'Bu işlem bu entegratörde desteklenmiyor; GetDocumentStatus kullanınız.');
    },
    getDocumentStatusEx: async () => {
      throw new LoginFault('getDocumentStatusEx', 'Bu işlem bu entegratörde desteklenmiyor; GetDocumentStatus kullanınız.');
    },
    getEnvelopeList: async () => {
      throw new LoginFault('getEnvelopeList', 'Bu işlem bu entegratörde desteklenmiyor; GetDocumentList kullanınız.');
    },
    getInvoiceApplicationResponse: async () => {
      throw new LoginFault('getInvoiceApplicationResponse', 'Bu işlem bu entegratörde desteklenmiyor; GetDocumentStatus kullanınız.');
    },
    getInvoiceList: async () => {
      throw new LoginFault('getInvoiceList', 'Bu işlem bu entegratörde desteklenmiyor; GetDocumentList kullanınız.');
    },
  };
}

/** A SOAP fault with e-Logo's faultcode and text (Login's "Geçersiz kullanıcı adı/şifre", Logout's session text). */
class LoginFault extends Error {
  constructor(readonly faultcode: string, message: string) {
    super(message);
  }
}

/** Mounts PostBoxService on the app; every path and query is compared without regard to case (IIS). */
export function mountPostBoxService(app: Express, opts: { service: PostBoxService; maxRequestBytes: number; publicUrl?: string }): void {
  const wsdl = fs.readFileSync(POSTBOX_WSDL_FILE, 'utf8');
  const handlers = operations(opts.service);
  const isOurs = (req: Request) => req.path.toLowerCase() === POSTBOX_PATH.toLowerCase();

  app.get(/.*/, (req: Request, res: Response, next: NextFunction) => {
    if (!isOurs(req)) return next();
    const keys = Object.keys(req.query).map((k) => k.toLowerCase());
    if (!keys.includes('wsdl') && !keys.includes('singlewsdl')) return next();
    const base = (opts.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
    res.type('text/xml; charset=utf-8').send(wsdl.replace(/<soap:address location="[^"]*"\s*\/>/, `<soap:address location="${base}${req.path}"/>`));
  });

  const send = (res: Response, status: number, xml: string) => res.status(status).type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>${xml}`);
  // The limits are checked on the body as it arrives: a hostile body is refused before it is kept.
  const body = rawBody(opts.maxRequestBytes, () => soapLimitInspector(POSTBOX_REQUEST_LIMITS));

  app.post(/.*/, (req: Request, res: Response, next: NextFunction) => (isOurs(req) ? body(req, res, next) : next()), async (req: Request, res: Response, next: NextFunction) => {
    if (!isOurs(req)) return next();
    const ctx = requestContext(req);
    let op: string;
    let args: Args;
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (hasDtd(raw)) throw new GatewayError('REQUEST_DOCTYPE');
      const root = parseXml(raw, POSTBOX_REQUEST_LIMITS).root;
      const soapBody = root.ns === NS.soap11 && root.local === 'Envelope' ? root.children.find((c) => c.ns === NS.soap11 && c.local === 'Body') : undefined;
      const request = soapBody?.children.length === 1 ? soapBody.children[0]! : undefined;
      if (!request || request.ns !== TEMPURI || !Object.hasOwn(handlers, request.local)) throw new GatewayError('REQUEST_MALFORMED');
      op = request.local;
      args = obj(read(request));
    } catch (err) {
      const e = isGatewayError(err) ? err : new GatewayError('REQUEST_MALFORMED', {}, err);
      ctx.outcome = 'fault';
      send(res, 500, faultXml('s:Client', e.message));
      return;
    }
    ctx.operation = `PostBoxService.${op}`;
    try {
      send(res, 200, await handlers[op]!(args));
      ctx.outcome = 'ok';
    } catch (err) {
      ctx.outcome = 'fault';
      if (err instanceof LoginFault) return send(res, 500, faultXml(err.faultcode, err.message));
      if (isGatewayError(err) && (err.fault === 'AUTH_FAILED' || err.fault === 'AUTH_LOCKED')) {
        // e-Logo's words for a wrong user or password; a lock says until when.
        return send(res, 500, faultXml('Login', err.fault === 'AUTH_LOCKED' ? err.message : 'Geçersiz kullanıcı adı/şifre'));
      }
      send(res, 500, faultXml('s:Server', isGatewayError(err) && err.fault !== 'INTERNAL' ? err.message : 'SISTEM HATASI'));
    }
  });

  // The body reader's refusals (over the size or XML limits, a broken gzip stream, an aborted upload) as faults.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!isOurs(req) || res.headersSent) return next(err);
    const e = isGatewayError(err) ? err : (err as { type?: string }).type === 'entity.too.large' ? new GatewayError('REQUEST_TOO_LARGE', { limit: opts.maxRequestBytes }) : new GatewayError('REQUEST_MALFORMED');
    send(res, e.fault === 'REQUEST_TOO_LARGE' ? 413 : 500, faultXml('s:Client', e.message));
  });
}
