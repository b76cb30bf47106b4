/**
 * The gateway's side of GİB's EFatura contract (../shared/gib/e-fatura-paketi/wsdl/EFatura_Test.wsdl: SOAP 1.2,
 * document/literal). Integrators serve the same WSDL GİB does (Ek-3 §7), and GİB pushes to it: invoices addressed
 * to our tenants' postboxes (SENDERENVELOPE), KABUL/RED answers to our tenants' invoices (POSTBOXENVELOPE) and
 * system responses about the envelopes we sent (SYSTEMENVELOPE).
 *
 * sendDocument answers at once and processes later (Ek-2 §4.2: the receiving side takes the envelope, then answers
 * with a system response of its own): the transport checks GİB makes synchronously (Ek-3 §8) — 2000 OZET DEGERLER
 * ESIT DEGIL when the hash is not the ZIP's MD5, 2006 GECERSIZ ZARF ADI when the file name is not `<UUID>.zip`,
 * 2001 ZARF ID SISTEMDE MEVCUT for an envelope ID we hold already — then the ZIP goes to the blob store (fsynced)
 * and the `envelopes` row (IN, RECEIVED) and its 'gib.inbound' job are committed in one transaction before the
 * documentResponse leaves. Everything about the envelope's content (1110–1195) is the job's business and goes back
 * in a system response (src/worker/tasks/gib-inbound.ts).
 *
 * A request we cannot read (over the size limit, a DOCTYPE, not SOAP, an unknown operation) and any failure of ours
 * is 2005 SISTEM HATASI with GİB's text only; the log keeps the cause. A pusher that counts 2001 as delivered
 * (GİB, the simulator) can resend safely: nothing is stored twice.
 *
 * binaryData may come inline (base64) or as an MTOM attachment (multipart/related, XOP): GİB's service uses MTOM
 * ("SOAP mesajlarının iletiminde büyük dosyalar söz konusu olduğundan MTOM … kullanılmıştır", Ek-3 §1; Entegrasyon
 * Kılavuzu v1.10 §4.5 item 5), so a push from GİB may carry the ZIP as a MIME part.
 */
import fs from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isUniqueViolation } from '../db/connect';
import { enqueueJob } from '../db/jobs';
import type { WriteBatcher } from '../db/write-batcher';
import { isGatewayError } from '../faults';
import type { BlobStore } from '../storage/blob-store';
import {
  EFATURA_FAULT_KIND,
  GibProtocolError,
  buildEFaturaFault,
  buildGetApplicationResponseResponse,
  buildSendDocumentResponse,
  envelopeIdFromFileName,
  gibText,
  md5Hex,
  parseSoapMessage,
  soapContentType,
  type SoapMessage,
} from './protocol';
import { escapeAttr } from './protocol/markup';

export const GIB_ENDPOINT_PATH = '/gib/EFatura';
/** The job that processes one received envelope (payload {envelopeId}). */
export const GIB_INBOUND_TASK = 'gib.inbound';

export interface GibEndpointDeps {
  db: Knex;
  writer: WriteBatcher;
  blobs: BlobStore;
  clock: () => Date;
  logger: Logger;
  /** Largest request accepted, in bytes, after gzip inflation (MTOM parts included). */
  maxBytes: number;
  /** GİB's WSDL; given, `GET …?wsdl` serves it with our address in soap12:address. */
  wsdlFile?: string | null;
  /** The base URL written into the served WSDL (GW_PUBLIC_URL); default the address the client used. */
  publicUrl?: string | null;
  /** Attempts of the 'gib.inbound' job before it is retried an hour later (default 8). */
  maxAttempts?: number;
  /** Called after an envelope was committed (e.g. to nudge the worker). */
  onReceived?: () => void;
}

/** What a sendDocument answer carries back (Ek-3 §7.2.1): a message and the MD5 we computed ourselves. */
const RECEIVED_MSG = gibText(1000); // ZARF KUYRUGA EKLENDI

export function createGibEndpoint(deps: GibEndpointDeps): express.Router {
  const log = deps.logger.child({ component: 'gib-endpoint' });
  const maxAttempts = deps.maxAttempts ?? 8;
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
    express.raw({ type: () => true, limit: deps.maxBytes }),
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
      try {
        if (msg.kind === 'sendDocument') {
          const answer = await receive(msg.fileName, msg.binaryData!, msg.hash);
          sendSoap(res, 200, buildSendDocumentResponse({ msg: RECEIVED_MSG, hash: answer.md5 }));
          deps.onReceived?.();
          return;
        }
        if (msg.kind === 'getApplicationResponse') {
          sendSoap(res, 200, buildGetApplicationResponseResponse(await systemResponseFor(msg.instanceIdentifier)));
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

  // The body parser's refusals (over the limit, a broken gzip stream, an aborted upload) end here.
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

  /**
   * The synchronous part of sendDocument: GİB's transport checks, then the ZIP and the row with its job, durable
   * before we answer.
   */
  async function receive(fileName: string, zip: Buffer, hash: string): Promise<{ id: string; md5: string }> {
    const md5 = md5Hex(zip);
    if (hash.trim().toLowerCase() !== md5) throw new GibProtocolError(2000, `gelen ozet ${hash.slice(0, 40)}, hesaplanan ${md5}`);
    let id: string;
    try {
      id = envelopeIdFromFileName(fileName).toLowerCase();
    } catch (err) {
      // 1111 (a name of the wrong length) is a file name that is not `<UUID>.zip` too: nothing to queue under it.
      if (err instanceof GibProtocolError) throw new GibProtocolError(2006, err.detail || err.message, err);
      throw err;
    }
    // Known already: answer before storing anything (GİB and the simulator resend after a lost answer).
    await refuseKnown(deps.db, id);
    const blobSha = await deps.blobs.put(zip);
    const at = deps.clock().toISOString();
    try {
      await deps.writer.run(async (trx) => {
        await refuseKnown(trx, id);
        await trx('envelopes').insert({
          id,
          direction: 'IN',
          tenant_id: null,
          type: 'UNKNOWN',
          blob_sha256: blobSha,
          file_name: fileName,
          md5,
          status: 'RECEIVED',
          created_at: at,
          updated_at: at,
        });
        await enqueueJob(trx, { task: GIB_INBOUND_TASK, key: `${GIB_INBOUND_TASK}:${id}`, payload: { envelopeId: id }, runAt: at, maxAttempts, createdAt: at });
      });
    } catch (err) {
      if (err instanceof GibProtocolError || !isUniqueViolation(err)) throw err;
      // Two pushes of the same envelope at once: the loser's insert hits the key (id, IN) and is told 2001. (An
      // envelope between two of our tenants is stored twice, as OUT and as IN: the key includes the direction.)
      await refuseKnown(deps.db, id);
      throw err;
    }
    log.info({ envelope: id, bytes: zip.length }, 'envelope received');
    return { id, md5 };
  }

  /** 2001 ZARF ID SISTEMDE MEVCUT for an envelope ID we received already. */
  async function refuseKnown(q: Knex | Knex.Transaction, id: string): Promise<void> {
    const known = await q('envelopes').where({ id, direction: 'IN' }).first('id');
    if (known) throw new GibProtocolError(2001, id);
  }

  /** getApplicationResponse on our side: the SYSTEMENVELOPE we answered an incoming envelope with, or 2004. */
  async function systemResponseFor(instanceIdentifier: string): Promise<Buffer> {
    const id = instanceIdentifier.trim().toLowerCase();
    const reply = await deps.db('envelopes')
      .where({ about_envelope_id: id, direction: 'OUT', type: 'SYSTEMENVELOPE' })
      .orderBy('created_at', 'desc')
      .first('blob_sha256');
    if (!reply) throw new GibProtocolError(2004, id.slice(0, 100));
    return deps.blobs.get(reply.blob_sha256);
  }

  function sendSoap(res: Response, status: number, body: Buffer): void {
    res.status(status).type(soapContentType()).send(body);
  }

  /** SOAP 1.2 HTTP binding: a Sender fault is HTTP 400, a Receiver fault 500. GİB's text only. */
  function sendFault(res: Response, code: number): void {
    sendSoap(res, EFATURA_FAULT_KIND[code]?.soap === 'Sender' ? 400 : 500, buildEFaturaFault(code));
  }
}

function describe(err: unknown): string {
  if (isGatewayError(err)) return `${err.code} ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

// ---------------------------------------------------------------------------------------------------------------
// The request: a SOAP message, or an MTOM package whose root part is one

/**
 * The SOAP message of a request, with an MTOM attachment resolved into binaryData. Throws (any error: the caller
 * answers 2005) when it is not a request this service reads.
 */
export function readRequest(body: Buffer, contentType: string): SoapMessage {
  const mime = parseContentType(contentType);
  if (mime.type !== 'multipart/related') {
    const msg = parseSoapMessage(body);
    if (msg.kind === 'sendDocument' && !msg.binaryData) throw new Error('xop:Include outside an MTOM package');
    return msg;
  }
  const boundary = mime.params.boundary;
  if (!boundary) throw new Error('multipart/related without a boundary');
  const parts = splitMultipart(body, boundary);
  if (parts.length === 0) throw new Error('empty MTOM package');
  const start = mime.params.start ? stripAngles(mime.params.start) : null;
  const root = (start && parts.find((p) => p.contentId === start)) || parts[0]!;
  const msg = parseSoapMessage(root.body);
  if (msg.kind !== 'sendDocument' || msg.binaryData) return msg;
  // XOP (W3C XOP §4): href="cid:<Content-ID, URL-encoded, without the angle brackets>".
  const href = msg.xopHref ?? '';
  if (!/^cid:/i.test(href)) throw new Error('xop:Include href is not a cid: URL');
  let cid: string;
  try {
    cid = decodeURIComponent(href.slice(4));
  } catch {
    throw new Error('xop:Include href is not a valid URL');
  }
  const part = parts.find((p) => p !== root && p.contentId === cid);
  if (!part) throw new Error('MTOM part named by xop:Include is missing');
  return { ...msg, binaryData: part.body };
}

interface MimePart {
  contentId: string | null;
  body: Buffer;
}

function stripAngles(s: string): string {
  const t = s.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

/** `type/subtype; a=b; c="d"` → lower-case type and parameters (parameter names lower-cased, values as written). */
function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [head = '', ...rest] = splitParams(value);
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, eq).trim().toLowerCase()] = v;
  }
  return { type: head.trim().toLowerCase(), params };
}

/** Splits on `;` outside double quotes. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The parts of a multipart body (RFC 2046 §5.1.1): between `--boundary` lines, headers, a blank line, the body. */
function splitMultipart(body: Buffer, boundary: string): MimePart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MimePart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos === -1) throw new Error('MTOM boundary not found');
  for (;;) {
    let after = pos + delimiter.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) break; // close delimiter `--boundary--`
    // Transport padding, then the line end that ends the delimiter line.
    while (body[after] === 0x20 || body[after] === 0x09) after++;
    if (body[after] === 0x0d && body[after + 1] === 0x0a) after += 2;
    else if (body[after] === 0x0a) after += 1;
    else throw new Error('malformed MTOM delimiter line');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), after);
    const nextLf = next === -1 ? body.indexOf(Buffer.concat([Buffer.from('\n'), delimiter]), after) : -1;
    const end = next !== -1 ? next : nextLf;
    if (end === -1) throw new Error('MTOM part without a closing delimiter');
    parts.push(readPart(body.subarray(after, end)));
    pos = next !== -1 ? next + 2 : nextLf + 1;
  }
  return parts;
}

function readPart(raw: Buffer): MimePart {
  let split = raw.indexOf('\r\n\r\n');
  let skip = 4;
  if (split === -1) {
    split = raw.indexOf('\n\n');
    skip = 2;
  }
  if (split === -1) throw new Error('MTOM part without headers');
  const headers: Record<string, string> = {};
  for (const line of raw.toString('latin1', 0, split).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let content = raw.subarray(split + skip);
  const encoding = (headers['content-transfer-encoding'] ?? 'binary').toLowerCase();
  if (encoding === 'base64') content = Buffer.from(content.toString('latin1').replace(/[\s]+/g, ''), 'base64');
  else if (!['binary', '8bit', '7bit'].includes(encoding)) throw new Error(`MTOM part encoding ${encoding}`);
  return { contentId: headers['content-id'] ? stripAngles(headers['content-id']) : null, body: content };
}
