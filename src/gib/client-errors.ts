/**
 * What a call to GİB's EFatura service (or its e-Arşiv service, see GibService) can end in, and the one table that
 * says which outcomes may be retried.
 *
 * The error keeps GİB's code as GİB sent it (Ek-3 §8, 2000–2007 in the EFaturaFault detail), or null when GİB never
 * answered with one (network failure, timeout, an HTTP error without a SOAP fault). Retrying is decided here and
 * nowhere else:
 *
 *   GİB fault code            EFATURA_FAULT_KIND in the codec (src/gib/protocol/codes.ts) — GİB's own table, ours
 *                             to read, not to copy: 2002, 2003, 2005 (GİB's archive/queue/system errors) and 2007 (a
 *                             temporary suspension) are retryable; 2000 (hash), 2004 (unknown id), 2006 (file name)
 *                             are not. 2001 (envelope id exists) is not an error for sendDocument: the client reports
 *                             it as a duplicate delivery (a resend after a lost answer must be idempotent).
 *                             A code outside 2000–2007: not retryable (we do not know what it means).
 *   e-Arşiv fault code        EARSIV_FAULT_KIND (src/gib/protocol/earsiv-ws.ts): 110, 113, 114, 303, 1195
 *                             retryable; 111 (package exists) is a duplicate delivery for sendReport; others not.
 *   e-Defter fault code       EDEFTER_RETRYABLE (src/gib/protocol/edefter-ws.ts): GİB's database, disk and queue
 *                             errors (107, 110, 112, 113, 203, 206, 303); 111 is a duplicate delivery for sendPackage.
 *   no GİB code               network failure, connection refused, timeout (the request is aborted), HTTP 5xx,
 *                             HTTP 408/429, an unreadable answer: retryable (GİB may not have seen the call; if it
 *                             did, the resend gets 2001, which is a success). Any other HTTP status (4xx: a wrong
 *                             URL, a proxy refusing us) or a SOAP fault without GİB's detail under 4xx: not
 *                             retryable — it needs a person, not another attempt.
 */
import { GatewayError } from '../faults';
import { EARSIV_FAULT_KIND, EFATURA_FAULTS, EFATURA_FAULT_KIND } from './protocol';
import { EDEFTER_RETRYABLE } from './protocol/edefter-ws';

export type GibCallKind = 'rejected' | 'retryable';

/**
 * Which of GİB's services answered: the code of an EFaturaFault (2000–2007) and of an EArsivFault (e-Arşiv's table,
 * EARSIV_FAULT_KIND in src/gib/protocol/earsiv-ws.ts: 110, 113, 114, 303, 1195 retryable; the rest not) are read in
 * their own table. The failures without a code are judged the same way for both.
 */
export type GibService = 'efatura' | 'earsiv' | 'edefter';

/** Where the failure was seen. */
export type GibCallFailure = 'fault' | 'http' | 'network' | 'timeout' | 'answer';

export class GibCallError extends Error {
  /** GİB's code from the EFaturaFault detail, as it was; null when GİB gave none. */
  readonly gibCode: number | null;
  readonly kind: GibCallKind;
  readonly failure: GibCallFailure;
  /** The HTTP status, when an answer arrived. */
  readonly httpStatus: number | null;
  /** The service called (its table reads gibCode); 'efatura' unless told. */
  readonly service: GibService;
  override readonly cause?: unknown;

  constructor(o: { gibCode: number | null; failure: GibCallFailure; message: string; httpStatus?: number | null; cause?: unknown; service?: GibService }) {
    super(o.message);
    this.name = 'GibCallError';
    this.gibCode = o.gibCode;
    this.failure = o.failure;
    this.httpStatus = o.httpStatus ?? null;
    this.service = o.service ?? 'efatura';
    this.kind = gibCallKind(o.gibCode, o.failure, this.httpStatus, this.service);
    this.cause = o.cause;
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

export function isGibCallError(err: unknown): err is GibCallError {
  return err instanceof GibCallError;
}

/** The retry table (see the file comment). */
export function gibCallKind(gibCode: number | null, failure: GibCallFailure, httpStatus: number | null, service: GibService = 'efatura'): GibCallKind {
  if (gibCode !== null && service === 'edefter') return EDEFTER_RETRYABLE.has(gibCode) ? 'retryable' : 'rejected';
  if (gibCode !== null) return (service === 'earsiv' ? EARSIV_FAULT_KIND : EFATURA_FAULT_KIND)[gibCode]?.retryable ? 'retryable' : 'rejected';
  switch (failure) {
    case 'network':
    case 'timeout':
    case 'answer':
      return 'retryable';
    case 'http':
    case 'fault':
      if (httpStatus === null) return 'retryable';
      return httpStatus >= 500 || httpStatus === 408 || httpStatus === 429 ? 'retryable' : 'rejected';
  }
}

/** GİB's text for a fault code, for messages ('' when unknown). */
export function efaturaFaultText(code: number): string {
  return EFATURA_FAULTS[code] ?? '';
}

/**
 * A failed call to one of GİB's services as the gateway's typed fault, for a caller waiting on it (a SOAP
 * operation): GİB away is GIB_UNAVAILABLE (retryable), a refusal GIB_REFUSED with GİB's words. Anything else is
 * returned as it is (a database error stays an internal error, not "GİB away").
 */
export function asGibFault(err: unknown): unknown {
  if (!(err instanceof GibCallError)) return err;
  return err.retryable ? new GatewayError('GIB_UNAVAILABLE', {}, err) : new GatewayError('GIB_REFUSED', { detail: err.message }, err);
}
