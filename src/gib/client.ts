/**
 * The gateway's client of GİB's EFatura web service (../shared/gib/e-fatura-paketi/wsdl/EFatura_Test.wsdl: SOAP 1.2,
 * document/literal): sendDocument and getApplicationResponse over HTTP, a thin wrapper around the codec
 * (src/gib/protocol). The codec packs the envelope (`<envelope UUID>.zip` holding `<envelope UUID>.xml`, MD5 in 32
 * hex, Ek-3 §4, §5, §7.7), builds the SOAP request and reads the answer; this file only moves bytes and turns
 * GİB's EFaturaFault (Ek-3 §8) and transport failures into GibCallError, whose retry table is client-errors.ts.
 *
 * Every call is bounded by `timeoutMs` (request and answer body together); on expiry the request is aborted
 * (AbortController) and the error is retryable: GİB may or may not have taken the envelope, and a resend of the
 * same envelope is answered 2001, which sendDocument reports as a duplicate delivery, not as an error.
 */
import { isGatewayError } from '../faults';
import {
  buildGetApplicationResponseRequest,
  buildSendDocumentRequest,
  packEnvelope,
  parseSoapMessage,
  parseSystemResponse,
  soapContentType,
  type ParsedSystemResponse,
  type SoapMessage,
  type SoapOperation,
} from './protocol';
import { GibCallError, efaturaFaultText } from './client-errors';

export { GibCallError, isGibCallError, gibCallKind, type GibCallKind, type GibCallFailure } from './client-errors';

export interface GibClientOptions {
  /** The EFatura service's address (GİB's, or the simulator's soapUrl). */
  url: string;
  /** Longest a call may take, answer included. */
  timeoutMs: number;
  /** Defaults to the global fetch (undici). */
  fetch?: typeof fetch;
}

export interface SendDocumentResult {
  /** `<envelope UUID>.zip`, as sent. */
  fileName: string;
  /** MD5 of the ZIP sent, 32 lowercase hex. */
  md5: string;
  /** GİB's msg (documentResponse/msg), or the 2001 fault's text for a duplicate. */
  answer: string;
  /**
   * GİB already held this envelope ID (fault 2001 ZARF ID SISTEMDE MEVCUT): an earlier call delivered it and its
   * answer was lost. The delivery stands; the envelope's state comes from getApplicationResponse.
   */
  duplicate: boolean;
}

export interface GibClient {
  /** Throws GibCallError (GİB's fault or a transport failure) or GatewayError REQUEST_FIELD (an envelope we built wrong). */
  sendDocument(envelopeXml: Buffer, envelopeId: string): Promise<SendDocumentResult>;
  /** The system response GİB holds for the envelope; null when GİB does not know the ID (2004 ZARF ID BULUNAMADI). */
  getApplicationResponse(envelopeId: string): Promise<ParsedSystemResponse | null>;
}

interface Answer {
  status: number;
  msg: SoapMessage;
}

export function createGibClient(opts: GibClientOptions): GibClient {
  const url = new URL(opts.url).toString(); // fails at start, not on the first call
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new Error(`GİB client: timeoutMs must be a positive number, got ${opts.timeoutMs}`);
  const doFetch = opts.fetch ?? fetch;

  async function call(operation: SoapOperation, body: Buffer): Promise<Answer> {
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, opts.timeoutMs);
    let status: number | null = null;
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': soapContentType(operation), accept: 'application/soap+xml' },
        body: new Uint8Array(body), // a copy backed by a plain ArrayBuffer, as BodyInit requires
        signal: ac.signal,
      });
      status = res.status;
      const raw = Buffer.from(await res.arrayBuffer());
      let msg: SoapMessage;
      try {
        msg = parseSoapMessage(raw);
      } catch (err) {
        const failure = res.ok ? 'answer' : 'http';
        throw new GibCallError({ gibCode: null, failure, httpStatus: status, message: `GİB ${operation}: HTTP ${status}, unreadable answer`, cause: err });
      }
      return { status, msg };
    } catch (err) {
      if (err instanceof GibCallError) throw err;
      if (timedOut) {
        throw new GibCallError({ gibCode: null, failure: 'timeout', httpStatus: status, message: `GİB ${operation}: no answer within ${opts.timeoutMs} ms`, cause: err });
      }
      throw new GibCallError({ gibCode: null, failure: 'network', httpStatus: status, message: `GİB ${operation}: ${describeNetworkError(err)}`, cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  function faultError(operation: SoapOperation, a: Answer & { msg: { kind: 'fault' } }): GibCallError {
    const code = a.msg.code ?? null;
    const text = a.msg.msg ?? (a.msg.reason || (code !== null ? efaturaFaultText(code) : ''));
    return new GibCallError({
      gibCode: code,
      failure: 'fault',
      httpStatus: a.status,
      message: `GİB ${operation}: ${code !== null ? `${code} ` : `${a.msg.soapCode} `}${text}`.trim(),
    });
  }

  function unexpected(operation: SoapOperation, a: Answer): GibCallError {
    return new GibCallError({
      gibCode: null,
      failure: a.status >= 200 && a.status < 300 ? 'answer' : 'http',
      httpStatus: a.status,
      message: `GİB ${operation}: HTTP ${a.status}, unexpected answer ${a.msg.kind}`,
    });
  }

  return {
    async sendDocument(envelopeXml, envelopeId) {
      const packed = await packEnvelope(envelopeXml, envelopeId);
      const a = await call('sendDocument', buildSendDocumentRequest({ fileName: packed.fileName, binaryData: packed.zip, hash: packed.md5 }));
      const base = { fileName: packed.fileName, md5: packed.md5 };
      if (a.msg.kind === 'fault') {
        // Ek-3 §8 2001 ZARF ID SISTEMDE MEVCUT: GİB holds this envelope already — an earlier attempt got through.
        if (a.msg.code === 2001) return { ...base, answer: a.msg.msg ?? efaturaFaultText(2001), duplicate: true };
        throw faultError('sendDocument', { ...a, msg: a.msg });
      }
      if (a.msg.kind !== 'sendDocumentResponse' || a.status < 200 || a.status >= 300) throw unexpected('sendDocument', a);
      return { ...base, answer: a.msg.msg, duplicate: false };
    },

    async getApplicationResponse(envelopeId) {
      const a = await call('getApplicationResponse', buildGetApplicationResponseRequest(envelopeId));
      if (a.msg.kind === 'fault') {
        if (a.msg.code === 2004) return null; // ZARF ID BULUNAMADI
        throw faultError('getApplicationResponse', { ...a, msg: a.msg });
      }
      if (a.msg.kind !== 'getApplicationResponseResponse' || a.status < 200 || a.status >= 300) throw unexpected('getApplicationResponse', a);
      try {
        return parseSystemResponse(Buffer.from(a.msg.applicationResponse, 'utf8'));
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new GibCallError({
          gibCode: null,
          failure: 'answer',
          httpStatus: a.status,
          message: `GİB getApplicationResponse: unreadable system response: ${detail}`,
          cause: err,
        });
      }
    },
  };
}

/** fetch reports "fetch failed" with the socket's error as its cause (ECONNREFUSED, ECONNRESET, …). */
function describeNetworkError(err: unknown): string {
  if (isGatewayError(err)) return err.message;
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause;
  if (cause && (cause.code || cause.message)) return `${e.message ?? 'request failed'} (${cause.code ?? cause.message})`;
  return e?.message ?? String(err);
}
