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
import { createSoapCall, faultCallError, unexpectedAnswer, type SoapAnswer } from './soap-call';

export { GibCallError, isGibCallError, gibCallKind, type GibCallKind, type GibCallFailure, type GibService } from './client-errors';

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

type Answer = SoapAnswer<SoapMessage>;

export function createGibClient(opts: GibClientOptions): GibClient {
  const post = createSoapCall(opts, 'efatura', parseSoapMessage);
  const call = (operation: SoapOperation, body: Buffer): Promise<Answer> => post(operation, soapContentType(operation), body);

  function faultError(operation: SoapOperation, a: Answer & { msg: { kind: 'fault' } }): GibCallError {
    const code = a.msg.code ?? null;
    const text = a.msg.msg ?? (a.msg.reason || (code !== null ? efaturaFaultText(code) : ''));
    return faultCallError('efatura', operation, a.status, { code, text, soapCode: a.msg.soapCode });
  }

  function unexpected(operation: SoapOperation, a: Answer): GibCallError {
    return unexpectedAnswer('efatura', operation, a.status, a.msg.kind);
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
