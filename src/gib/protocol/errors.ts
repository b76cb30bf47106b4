/**
 * The error of the GİB protocol codec: it carries GİB's own code (Ek-2 1xxx or Ek-3 2xxx) because that code is what
 * goes back to the other side — a 2xxx as the EFaturaFault of the SOAP call, a 1xxx in a system response — not a
 * gateway fault. Misuse of the builders by our own code (an ID that is no UUID, 101 invoices) is a GatewayError
 * (REQUEST_FIELD), like every other error the gateway raises.
 */
import { GatewayError, isGatewayError } from '../../faults';
import { gibText } from './codes';

const MAX_DETAIL = 300;

export class GibProtocolError extends Error {
  /** GİB's code: 1100–1199 (document checks, Ek-2 §4) or 2000–2007 (EFatura faults, Ek-3 §8). */
  readonly gibCode: number;
  /** GİB's text for the code, exactly as in its table. */
  readonly gibText: string;
  /** What exactly was wrong (ours, for logs and the Description of a system response); '' when nothing to add. */
  readonly detail: string;
  override readonly cause?: unknown;

  constructor(gibCode: number, detail = '', cause?: unknown) {
    const text = gibText(gibCode);
    const cut = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
    super(cut ? `${text}: ${cut}` : text);
    this.name = 'GibProtocolError';
    this.gibCode = gibCode;
    this.gibText = text;
    this.detail = cut;
    this.cause = cause;
  }

  /** A 2xxx answers the SOAP call at once (EFaturaFault); a 1xxx is reported later, in a system response. */
  get synchronous(): boolean {
    return this.gibCode >= 2000 && this.gibCode < 3000;
  }
}

export function isGibProtocolError(err: unknown): err is GibProtocolError {
  return err instanceof GibProtocolError;
}

/**
 * The XML parser's verdicts in GİB's words: not XML at all is 1132 XML DOSYASI DEGIL; anything else it refuses
 * (malformed, not UTF-8, a DOCTYPE, past the parser's limits) is 1140 DOKUMAN AYRISTIRILAMADI (Ek-2 §4). Other errors pass through.
 */
export function gibErrorFromXml(err: unknown): unknown {
  if (!isGatewayError(err)) return err;
  if (err.fault === 'XML_NOT_XML') return new GibProtocolError(1132, '', err);
  if (err.fault === 'XML_UNPARSABLE') return new GibProtocolError(1140, String(err.params.detail ?? ''), err);
  if (err.fault === 'DOCUMENT_DOCTYPE') return new GibProtocolError(1140, 'DOCTYPE/ENTITY tanımına izin verilmez', err);
  if (err.fault === 'DOCUMENT_LIMIT') return new GibProtocolError(1140, String(err.params.detail ?? ''), err);
  return err;
}

/** A builder was given something GİB would refuse: the caller's bug or bad data, never GİB's. */
export function invalidField(field: string, why: string): GatewayError {
  return new GatewayError('REQUEST_FIELD', { field: `${field} (${why})` });
}
