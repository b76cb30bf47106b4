/**
 * What a call to GİB's EFatura service can end in, and the one table that says which outcomes may be retried.
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
 *   no GİB code               network failure, connection refused, timeout (the request is aborted), HTTP 5xx,
 *                             HTTP 408/429, an unreadable answer: retryable (GİB may not have seen the call; if it
 *                             did, the resend gets 2001, which is a success). Any other HTTP status (4xx: a wrong
 *                             URL, a proxy refusing us) or a SOAP fault without GİB's detail under 4xx: not
 *                             retryable — it needs a person, not another attempt.
 */
import { EFATURA_FAULTS, EFATURA_FAULT_KIND } from './protocol';

export type GibCallKind = 'rejected' | 'retryable';

/** Where the failure was seen. */
export type GibCallFailure = 'fault' | 'http' | 'network' | 'timeout' | 'answer';

export class GibCallError extends Error {
  /** GİB's code from the EFaturaFault detail, as it was; null when GİB gave none. */
  readonly gibCode: number | null;
  readonly kind: GibCallKind;
  readonly failure: GibCallFailure;
  /** The HTTP status, when an answer arrived. */
  readonly httpStatus: number | null;
  override readonly cause?: unknown;

  constructor(o: { gibCode: number | null; failure: GibCallFailure; message: string; httpStatus?: number | null; cause?: unknown }) {
    super(o.message);
    this.name = 'GibCallError';
    this.gibCode = o.gibCode;
    this.failure = o.failure;
    this.httpStatus = o.httpStatus ?? null;
    this.kind = gibCallKind(o.gibCode, o.failure, this.httpStatus);
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
export function gibCallKind(gibCode: number | null, failure: GibCallFailure, httpStatus: number | null): GibCallKind {
  if (gibCode !== null) return EFATURA_FAULT_KIND[gibCode]?.retryable ? 'retryable' : 'rejected';
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
