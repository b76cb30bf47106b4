/**
 * One SOAP 1.2 call to a GİB service over HTTP, shared by the EFatura client (client.ts) and the e-Arşiv client
 * (earsiv-client.ts): POST the message, read and parse the answer, and turn every way it can fail into GibCallError
 * (whose retry table is client-errors.ts).
 *
 * Every call is bounded by `timeoutMs` (request and answer body together); on expiry the request is aborted
 * (AbortController) and the failure is 'timeout', retryable.
 */
import { isGatewayError } from '../faults';
import { GibCallError, type GibService } from './client-errors';

export interface SoapCallOptions {
  /** The service's address. */
  url: string;
  /** Longest a call may take, answer included. */
  timeoutMs: number;
  /** Defaults to the global fetch (undici). */
  fetch?: typeof fetch;
}

export interface SoapAnswer<M> {
  status: number;
  msg: M;
}

/** Sends one message; `operation` names the call in error messages. */
export type SoapCall<M> = (operation: string, contentType: string, body: Buffer) => Promise<SoapAnswer<M>>;

/**
 * A caller for one service. The URL and timeout are checked here, at start, not on the first call. `parse` reads
 * the answer (the service's codec); an answer it refuses is 'answer' (2xx) or 'http' (any other status).
 */
export function createSoapCall<M>(opts: SoapCallOptions, service: GibService, parse: (raw: Buffer) => M): SoapCall<M> {
  const url = new URL(opts.url).toString();
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new Error(`GİB client: timeoutMs must be a positive number, got ${opts.timeoutMs}`);
  const doFetch = opts.fetch ?? fetch;

  return async (operation, contentType, body) => {
    let answer: HttpAnswer;
    try {
      answer = await timedFetch(doFetch, url, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/soap+xml' }, body }, opts.timeoutMs);
    } catch (err) {
      if (!(err instanceof TransportFailure)) throw err;
      const message = `GİB ${operation}: ${err.failure === 'timeout' ? `no answer within ${opts.timeoutMs} ms` : describeNetworkError(err.cause)}`;
      throw new GibCallError({ gibCode: null, failure: err.failure, httpStatus: err.httpStatus, service, message, cause: err.cause });
    }
    try {
      return { status: answer.status, msg: parse(answer.body) };
    } catch (err) {
      const failure = answer.ok ? 'answer' : 'http';
      throw new GibCallError({ gibCode: null, failure, httpStatus: answer.status, service, message: `GİB ${operation}: HTTP ${answer.status}, unreadable answer`, cause: err });
    }
  };
}

export interface HttpAnswer {
  status: number;
  /** 2xx */
  ok: boolean;
  body: Buffer;
}

/** No answer was read: the deadline passed (the request was aborted) or the connection failed. */
export class TransportFailure extends Error {
  constructor(
    readonly failure: 'timeout' | 'network',
    readonly httpStatus: number | null,
    override readonly cause: unknown,
  ) {
    super(failure);
  }
}

/**
 * One HTTP exchange bounded by `timeoutMs`, request and answer body together: on expiry the request is aborted
 * (AbortController). Shared by every client of GİB's services (SOAP here, the cancellation portal's JSON).
 */
export async function timedFetch(
  doFetch: typeof fetch,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer },
  timeoutMs: number,
): Promise<HttpAnswer> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  let status: number | null = null;
  try {
    const res = await doFetch(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body ? { body: new Uint8Array(init.body) } : {}), // a copy backed by a plain ArrayBuffer, as BodyInit requires
      signal: ac.signal,
    });
    status = res.status;
    return { status, ok: res.ok, body: Buffer.from(await res.arrayBuffer()) };
  } catch (err) {
    throw new TransportFailure(timedOut ? 'timeout' : 'network', status, err);
  } finally {
    clearTimeout(timer);
  }
}

/** A SOAP fault as GibCallError: the service's code when its detail had one, else the SOAP code and reason. */
export function faultCallError(
  service: GibService,
  operation: string,
  status: number,
  f: { code: number | null; text: string; soapCode: string },
): GibCallError {
  return new GibCallError({
    gibCode: f.code,
    failure: 'fault',
    httpStatus: status,
    service,
    message: `GİB ${operation}: ${f.code !== null ? `${f.code} ` : `${f.soapCode} `}${f.text}`.trim(),
  });
}

/** An answer of the wrong kind (or a right one under an error status). */
export function unexpectedAnswer(service: GibService, operation: string, status: number, kind: string): GibCallError {
  return new GibCallError({
    gibCode: null,
    failure: status >= 200 && status < 300 ? 'answer' : 'http',
    httpStatus: status,
    service,
    message: `GİB ${operation}: HTTP ${status}, unexpected answer ${kind}`,
  });
}

/** fetch reports "fetch failed" with the socket's error as its cause (ECONNREFUSED, ECONNRESET, …). */
export function describeNetworkError(err: unknown): string {
  if (isGatewayError(err)) return err.message;
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause;
  if (cause && (cause.code || cause.message)) return `${e.message ?? 'request failed'} (${cause.code ?? cause.message})`;
  return e?.message ?? String(err);
}
