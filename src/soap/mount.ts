import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import * as soap from 'soap';
import { GatewayError } from '../faults';
import { requestContext } from './context';
import { faultEnvelope } from './faults';
import { hardenSoapServer } from './harden';

export interface SoapMountOptions {
  path: string;
  wsdlXml: string;
  /** Address written into the served WSDL; by default the one the client used to reach us (Host header). */
  publicUrl?: string;
  services: soap.IServices;
  maxRequestBytes: number;
  logger: Logger;
}

/** `<!DOCTYPE` or `<!ENTITY` anywhere, in any case; scans the bytes without copying the body into a string. */
function hasDtd(body: Buffer): boolean {
  for (let i = body.indexOf('<!'); i !== -1; i = body.indexOf('<!', i + 2)) {
    const word = body.toString('latin1', i + 2, i + 8).toUpperCase();
    if (word === 'DOCTYP' || word === 'ENTITY') return true;
  }
  return false;
}

function sendFault(res: Response, err: GatewayError): void {
  res.status(err.spec.http).type('text/xml; charset=utf-8').send(faultEnvelope(err));
  requestContext(res.req).outcome = 'fault';
  requestContext(res.req).faultCode = err.code;
}

/** One log line per request: id, operation, tenant, status, outcome, duration. Never bodies or credentials. */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const header = req.get('x-request-id');
    const ctx = requestContext(req);
    ctx.requestId = header && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
    res.setHeader('X-Request-Id', ctx.requestId);
    res.on('finish', () => {
      logger.info(
        {
          requestId: ctx.requestId,
          method: req.method,
          path: req.path,
          operation: ctx.operation,
          tenant: ctx.tenant,
          user: ctx.user,
          status: res.statusCode,
          outcome: ctx.outcome ?? (res.statusCode < 400 ? 'ok' : 'fault'),
          faultCode: ctx.faultCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}

/**
 * Mounts a WSDL-first SOAP service on an express app. In front of node-soap: a body limit that also bounds gzip
 * inflation (node-soap reads bodies with no limit of its own) and a DOCTYPE ban (WS-I BP R1008; sax never expands
 * entities, but a DTD has no business in a SOAP message). Resolves when the WSDL is parsed and the route is live.
 */
export function mountSoap(app: Express, options: SoapMountOptions): Promise<soap.Server> {
  const location = /<soap:address location="[^"]*"\/>/;
  app.get(options.path, (req: Request, res: Response, next: NextFunction) => {
    if (!Object.keys(req.query).some((k) => k.toLowerCase() === 'wsdl')) return next();
    // GW_PUBLIC_URL comes normalised by new URL() with a trailing slash: no "//soap/gateway" in soap:address.
    const base = (options.publicUrl ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
    res.type('text/xml; charset=utf-8').send(options.wsdlXml.replace(location, `<soap:address location="${base}${options.path}"/>`));
  });
  app.use(options.path, express.raw({ type: () => true, limit: options.maxRequestBytes, inflate: true }));
  app.use(options.path, (err: { type?: string; status?: number }, req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    if (err.type === 'entity.too.large') return sendFault(res, new GatewayError('REQUEST_TOO_LARGE', { limit: options.maxRequestBytes }));
    return sendFault(res, new GatewayError('REQUEST_MALFORMED'));
  });
  app.use(options.path, (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && Buffer.isBuffer(req.body)) {
      if (req.body.length === 0) return sendFault(res, new GatewayError('REQUEST_MALFORMED'));
      if (hasDtd(req.body)) return sendFault(res, new GatewayError('REQUEST_DOCTYPE'));
    }
    next();
  });
  return new Promise((resolve) => {
    const server = soap.listen(app, {
      path: options.path,
      services: options.services,
      xml: options.wsdlXml,
      callback: () => {
        hardenSoapServer(server);
        resolve(server);
      },
    });
  });
}
