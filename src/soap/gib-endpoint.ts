/**
 * The gateway's side of GİB's EFatura contract (../shared/gib/e-fatura-paketi/wsdl/EFatura_Test.wsdl: SOAP 1.2,
 * document/literal). Integrators serve the same WSDL GİB does (Ek-3 §7), and GİB pushes to it: invoices addressed
 * to our tenants' postboxes (SENDERENVELOPE), KABUL/RED answers to our tenants' invoices (POSTBOXENVELOPE) and
 * system responses about the envelopes we sent (SYSTEMENVELOPE).
 *
 * sendDocument answers at once and processes later (src/services/gib-inbound.service.ts: receive() makes GİB's
 * synchronous transport checks, 2000/2001/2006, and commits the ZIP and its job before the documentResponse leaves;
 * everything about the envelope's content, 1110–1195, goes back later in a system response).
 *
 * A request we cannot read (over the size limit, a DOCTYPE, past the SOAP request limits of src/xml/limits.ts, not
 * SOAP, an unknown operation) and any failure of ours is 2005 SISTEM HATASI with GİB's text only; the log keeps the
 * cause. A pusher that counts 2001 as delivered (GİB, the simulator) can resend safely: nothing is stored twice.
 *
 * binaryData may come inline (base64) or as an MTOM attachment (src/gib/protocol/mtom.ts). What the requests mean is
 * src/services/gib-inbound.service.ts; this is the HTTP side.
 */
import fs from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { isGatewayError } from '../faults';
import { rawBody } from '../http/body';
import { requestContext } from './context';
import { soapLimitInspector } from './server';
import {
  EFATURA_FAULT_KIND,
  GibProtocolError,
  buildEFaturaFault,
  buildGetApplicationResponseResponse,
  buildSendDocumentResponse,
  gibText,
  readRequest,
  soapContentType,
  type SoapMessage,
} from '../gib/protocol';
import { escapeAttr } from '../gib/protocol/markup';
import type { GibInbound } from '../services/gib-inbound.service';

export const GIB_ENDPOINT_PATH = '/gib/EFatura';

export interface GibEndpointDeps {
  inbound: GibInbound;
  logger: Logger;
  /** Largest request accepted, in bytes, after gzip inflation (MTOM parts included). */
  maxBytes: number;
  /** GİB's WSDL; given, `GET …?wsdl` serves it with our address in soap12:address. */
  wsdlFile?: string | null;
  /** The base URL written into the served WSDL (GW_PUBLIC_URL); default the address the client used. */
  publicUrl?: string | null;
  /** Called after an envelope was committed (e.g. to nudge the worker). */
  onReceived?: () => void;
}

/** What a sendDocument answer carries back (Ek-3 §7.2.1): a message and the MD5 we computed ourselves. */
const RECEIVED_MSG = gibText(1000); // ZARF KUYRUGA EKLENDI

export function createGibEndpoint(deps: GibEndpointDeps): express.Router {
  const log = deps.logger.child({ component: 'gib-endpoint' });
  // Read once at start: a missing file fails here, not on the first ?wsdl.
  const wsdl = deps.wsdlFile ? fs.readFileSync(deps.wsdlFile, 'utf8') : null;
  const router = express.Router();

  router.get(GIB_ENDPOINT_PATH, (req: Request, res: Response) => {
    if (!('wsdl' in req.query) || wsdl === null) {
      res.status(404).type('text/plain').send('WSDL icin ?wsdl');
      return;
    }
    const base = deps.publicUrl ? deps.publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const here = `${base}${req.baseUrl}${GIB_ENDPOINT_PATH}`;
    res.type('text/xml').send(wsdl.replace(/(<soap12:address\s+location=")[^"]*(")/, (_m, a: string, b: string) => `${a}${escapeAttr(here)}${b}`));
  });

  router.post(
    GIB_ENDPOINT_PATH,
    // An MTOM package is no XML document as a whole: its root part is checked when it is parsed.
    rawBody(deps.maxBytes, (req) => (/^\s*multipart\//i.test(req.headers['content-type'] ?? '') ? undefined : soapLimitInspector())),
    async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let msg: SoapMessage;
      try {
        msg = readRequest(body, req.get('content-type') ?? '');
      } catch (err) {
        log.info({ reason: describe(err), bytes: body.length }, 'unreadable EFatura request: 2005');
        sendFault(res, 2005);
        return;
      }
      requestContext(req).operation = msg.kind;
      try {
        if (msg.kind === 'sendDocument') {
          const answer = await deps.inbound.receive(msg.fileName, msg.binaryData!, msg.hash);
          sendSoap(res, 200, buildSendDocumentResponse({ msg: RECEIVED_MSG, hash: answer.md5 }));
          deps.onReceived?.();
          return;
        }
        if (msg.kind === 'getApplicationResponse') {
          sendSoap(res, 200, buildGetApplicationResponseResponse(await deps.inbound.systemResponseFor(msg.instanceIdentifier)));
          return;
        }
        log.info({ kind: msg.kind }, 'EFatura request is not an operation of this service: 2005');
        sendFault(res, 2005);
      } catch (err) {
        if (err instanceof GibProtocolError && err.synchronous) {
          log.info({ gibCode: err.gibCode, reason: err.message }, 'EFatura request refused');
          sendFault(res, err.gibCode);
          return;
        }
        log.error({ error: describe(err) }, 'EFatura request failed: 2005');
        sendFault(res, 2005);
      }
    },
  );

  // The body reader's refusals (over the size limit, past the XML limits as it arrived, a broken gzip stream, an
  // aborted upload) end here.
  router.use(GIB_ENDPOINT_PATH, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = err as { type?: string; status?: number; limit?: number };
    log.info({ reason: e.type ?? describe(err), limit: e.limit }, 'EFatura request body refused: 2005');
    sendFault(res, 2005);
  });

  return router;

  function sendSoap(res: Response, status: number, body: Buffer): void {
    res.status(status).type(soapContentType()).send(body);
  }

  /** SOAP 1.2 HTTP binding: a Sender fault is HTTP 400, a Receiver fault 500. GİB's text only. */
  function sendFault(res: Response, code: number): void {
    const ctx = requestContext(res.req);
    ctx.outcome = 'fault';
    ctx.faultCode = code;
    sendSoap(res, EFATURA_FAULT_KIND[code]?.soap === 'Sender' ? 400 : 500, buildEFaturaFault(code));
  }
}

function describe(err: unknown): string {
  if (isGatewayError(err)) return `${err.code} ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
