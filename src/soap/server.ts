/**
 * The gateway's SOAP 1.1 server (document/literal, wsdl/gateway.wsdl). It replaced node-soap's server, which cost
 * more than everything else in a GetStatus call (its sax + xmlToObject parse of the request and its schema-walking
 * serialiser: BENCHMARKS.md) and answers some failures with its own text. Here a request is read with the project's
 * one strict XML parser (src/xml: UTF-8, no DTD, namespaces checked), bound to an operation by its body element, and
 * the answer is written directly; node-soap stays the client the tests and ERPs written in JavaScript use.
 *
 * What a call is made of, and how it is read:
 *   soap:Envelope/soap:Header   the WS-Security UsernameToken, found by local names (Security/UsernameToken/
 *                               Username, Password with its Type, Nonce, Created) as clients put it in the 1.0 or
 *                               1.1 namespace, or none;
 *   soap:Body/<op>Request       the operation, by the request element's name in the service's namespace; its
 *                               arguments are its child elements' texts, each one the WSDL lists for that request
 *                               (./request-shape.ts: an unknown element is 4010, a required one missing or one
 *                               written twice 4004, as an XSD-validating stack would refuse them).
 * The envelope is strict UTF-8: invalid bytes anywhere, another declared encoding or another charset in the
 * Content-Type are 4001, like anything else that is no readable call — no XML, not a SOAP 1.1 envelope, not exactly
 * one body element, an unknown operation; a DOCTYPE is 4002; a body over the limit (after gzip inflation) is 4003;
 * an envelope past SOAP_REQUEST_LIMITS (src/xml/limits.ts: depth, elements, attributes, names) is 4008, found as
 * the body arrives (src/http/body.ts) and again by the parser. Every fault is the WSDL's typed GatewayFault.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { GatewayError, asGatewayError } from '../faults';
import { rawBody } from '../http/body';
import type { UsernameToken } from '../security/wsse';
import { NS } from '../xml/namespaces';
import { SOAP_REQUEST_LIMITS, parseXml, type XmlElement, type XmlLimits } from '../xml/parse';
import { LimitScanner } from '../xml/prescan';
import { requestContext } from './context';
import { readArguments, requestShapes, type RequestShape } from './request-shape';
import { GATEWAY_NS, faultEnvelope } from './faults';

/** What a handler gets: the caller's token and the request's arguments by element name. */
export interface SoapCall {
  token: UsernameToken | null;
  args: Readonly<Record<string, string>>;
  req: Request;
}

/** A value a handler answers with: written as elements of the response in the key order given. */
export type SoapValue = string | number | boolean | Date | null | undefined | { $xml: string } | SoapValue[] | { [key: string]: SoapValue };

export interface SoapOperation {
  run(call: SoapCall): Promise<Record<string, SoapValue>>;
}

export interface SoapServerOptions {
  path: string;
  wsdlXml: string;
  /** Address written into the served WSDL; by default the one the client used to reach us (Host header). */
  publicUrl?: string;
  /** Operations by name (the request element is `<name>Request`, the response `<name>Response`). */
  operations: Readonly<Record<string, SoapOperation>>;
  maxRequestBytes: number;
}

const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';
const ENVELOPE_OPEN = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${NS.soap11}" xmlns:tns="${GATEWAY_NS}"><soap:Body>`;
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

/** `<!DOCTYPE` or `<!ENTITY` anywhere, in any case; scans the bytes without copying the body into a string. */
export function hasDtd(body: Buffer): boolean {
  for (let i = body.indexOf('<!'); i !== -1; i = body.indexOf('<!', i + 2)) {
    const word = body.toString('latin1', i + 2, i + 8).toUpperCase();
    if (word === 'DOCTYP' || word === 'ENTITY') return true;
  }
  return false;
}

/** A Content-Type without a charset, or with UTF-8's: the envelope is strict UTF-8 (the parser checks the bytes). */
function isUtf8Charset(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One element of the response (and its children), in the service's namespace. */
export function soapValueXml(name: string, value: SoapValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => soapValueXml(name, v)).join('');
  let inner: string;
  if (value instanceof Date) inner = value.toISOString();
  else if (typeof value === 'object') {
    if ('$xml' in value && typeof value.$xml === 'string') inner = value.$xml;
    else inner = Object.entries(value as Record<string, SoapValue>).map(([k, v]) => soapValueXml(k, v)).join('');
  } else inner = escapeText(String(value));
  return `<tns:${name}>${inner}</tns:${name}>`;
}

function child(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.local === local && c.ns === ns);
}

function byLocalName(el: XmlElement | undefined, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.local === local);
}

/** The UsernameToken of a SOAP header, by local names (clients use the 1.0 or 1.1 WS-Security namespace). */
function usernameToken(header: XmlElement | undefined): UsernameToken | null {
  const token = byLocalName(byLocalName(header, 'Security'), 'UsernameToken');
  if (!token) return null;
  const username = byLocalName(token, 'Username')?.text;
  const password = byLocalName(token, 'Password');
  if (!username || !password) return null;
  const type = password.attrs.find((a) => a.local === 'Type')?.value;
  const nonce = byLocalName(token, 'Nonce')?.text;
  const created = byLocalName(token, 'Created')?.text;
  return {
    username: detached(username.trim()),
    password: password.text.trim(),
    type: type === 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest' ? 'digest' : 'text',
    nonce: nonce ? detached(nonce.trim()) : null,
    created: created ? created.trim() : null,
  };
}

/**
 * A copy of a short string that shares nothing with the request: a parsed value is a slice of the whole body's
 * text, and the authenticator keeps the username and nonce for minutes (user cache, replay window) — as slices they
 * kept every request's body alive with them (an archive upload of 4 MB chunks grew the process by 300 MB).
 */
function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** The operation's name, its arguments and the token, or a typed fault. */
function readCall(body: Buffer, shapes: ReadonlyMap<string, RequestShape>): { name: string; token: UsernameToken | null; args: Record<string, string> } {
  if (body.length === 0) throw new GatewayError('REQUEST_MALFORMED');
  if (hasDtd(body)) throw new GatewayError('REQUEST_DOCTYPE');
  let root: XmlElement;
  try {
    root = parseXml(body, SOAP_REQUEST_LIMITS).root;
  } catch (err) {
    if (err instanceof GatewayError && err.fault === 'DOCUMENT_LIMIT') throw new GatewayError('REQUEST_LIMIT', { detail: String(err.params.detail) }, err);
    throw new GatewayError('REQUEST_MALFORMED', {}, err);
  }
  if (root.ns !== NS.soap11 || root.local !== 'Envelope') throw new GatewayError('REQUEST_MALFORMED');
  const soapBody = child(root, NS.soap11, 'Body');
  // document/literal: the Body holds the one request element, in the service's namespace.
  if (!soapBody || soapBody.children.length !== 1) throw new GatewayError('REQUEST_MALFORMED');
  const request = soapBody.children[0]!;
  const name = request.local.endsWith('Request') ? request.local.slice(0, -'Request'.length) : '';
  const shape = shapes.get(name);
  if (!shape || request.ns !== shape.ns) throw new GatewayError('REQUEST_MALFORMED');
  const args = readArguments(request, shape);
  return { name, token: usernameToken(child(root, NS.soap11, 'Header')), args };
}

/** The SOAP request limits checked on the body as it arrives: a hostile body is refused before it is kept. */
export function soapLimitInspector(limits: XmlLimits = SOAP_REQUEST_LIMITS): (chunk: Buffer) => void {
  const scanner = new LimitScanner(limits);
  return (chunk) => scanner.write(chunk);
}

/**
 * Mounts the service on an express app: `GET <path>?wsdl` serves the WSDL with our address in it, `POST <path>`
 * answers calls. Every answer is durable before it leaves (the handlers commit first).
 */
export function mountSoapServer(app: Express, options: SoapServerOptions): void {
  const location = /<soap:address location="[^"]*"\/>/;
  // What each request may hold, from the WSDL (a request element it does not describe is an unknown operation).
  const allShapes = requestShapes(options.wsdlXml);
  const shapes = new Map<string, RequestShape>();
  for (const name of Object.keys(options.operations)) {
    const shape = allShapes.get(name);
    if (!shape) throw new Error(`operation ${name} has no ${name}Request in the WSDL`);
    shapes.set(name, shape);
  }

  function send(res: Response, status: number, xml: string): void {
    res.status(status).type(SOAP_CONTENT_TYPE).send(xml);
  }

  function sendFault(res: Response, err: GatewayError): void {
    const ctx = requestContext(res.req);
    ctx.outcome = 'fault';
    ctx.faultCode = err.code;
    send(res, err.spec.http, faultEnvelope(err));
  }

  app.get(options.path, (req: Request, res: Response, next: NextFunction) => {
    if (!Object.keys(req.query).some((k) => k.toLowerCase() === 'wsdl')) return next();
    // GW_PUBLIC_URL comes normalised by new URL() with a trailing slash: no "//soap/gateway" in soap:address.
    const base = (options.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
    res.type(SOAP_CONTENT_TYPE).send(options.wsdlXml.replace(location, `<soap:address location="${base}${options.path}"/>`));
  });

  app.post(options.path, rawBody(options.maxRequestBytes, () => soapLimitInspector()), async (req: Request, res: Response) => {
    const ctx = requestContext(req);
    let call: ReturnType<typeof readCall>;
    try {
      if (!isUtf8Charset(req.get('content-type'))) throw new GatewayError('REQUEST_MALFORMED');
      call = readCall(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), shapes);
    } catch (err) {
      sendFault(res, asGatewayError(err));
      return;
    }
    ctx.operation = call.name;
    try {
      const result = await options.operations[call.name]!.run({ token: call.token, args: call.args, req });
      let inner = '';
      for (const [k, v] of Object.entries(result)) inner += soapValueXml(k, v);
      send(res, 200, `${ENVELOPE_OPEN}<tns:${call.name}Response>${inner}</tns:${call.name}Response>${ENVELOPE_CLOSE}`);
    } catch (err) {
      // The operation logged an internal error with its cause already (src/soap/operation.ts).
      sendFault(res, asGatewayError(err));
    }
  });

  // The body reader's refusals: over the limit (after inflation), past the XML limits as it arrived, a broken gzip
  // stream, an aborted upload.
  app.use(options.path, (err: { type?: string } | undefined, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    if (res.headersSent) return next(err);
    if (err instanceof GatewayError && err.fault === 'DOCUMENT_LIMIT') return sendFault(res, new GatewayError('REQUEST_LIMIT', { detail: String(err.params.detail) }, err));
    if (err.type === 'entity.too.large') return sendFault(res, new GatewayError('REQUEST_TOO_LARGE', { limit: options.maxRequestBytes }));
    return sendFault(res, new GatewayError('REQUEST_MALFORMED'));
  });
}
