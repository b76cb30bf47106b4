/**
 * One SOAP 1.2 call to a GİB service over HTTP, shared by the EFatura client (client.ts) and the e-Arşiv client
 * (earsiv-client.ts): POST the message, read and parse the answer, and turn every way it can fail into GibCallError
 * (whose retry table is client-errors.ts).
 *
 * Every call is bounded by `timeoutMs` (request and answer body together); on expiry the request is destroyed and
 * the failure is 'timeout', retryable. Requests go through node:http with keep-alive agents: the global fetch
 * (undici) cost ≈ 9 % of the sender's CPU in the end-to-end benchmark for one sendDocument per invoice.
 */
import http from 'node:http';
import https from 'node:https';
import { isGatewayError } from '../faults';
import { gibCallTimer } from '../metrics';
import { GibCallError, type GibService } from './client-errors';

export interface SoapCallOptions {
  /** The service's address. */
  url: string;
  /** Longest a call may take, answer included. */
  timeoutMs: number;
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

  return async (operation, contentType, body) => {
    const count = gibCallTimer(service, operation);
    let answer: HttpAnswer;
    try {
      answer = await httpExchange(url, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/soap+xml' }, body }, opts.timeoutMs);
    } catch (err) {
      if (!(err instanceof TransportFailure)) throw err;
      count(err.failure);
      const message = `GİB ${operation}: ${err.failure === 'timeout' ? `no answer within ${opts.timeoutMs} ms` : describeNetworkError(err.cause)}`;
      throw new GibCallError({ gibCode: null, failure: err.failure, httpStatus: err.httpStatus, service, message, cause: err.cause });
    }
    try {
      const msg = parse(answer.body);
      count(answer.ok ? 'ok' : 'fault');
      return { status: answer.status, msg };
    } catch (err) {
      const failure = answer.ok ? 'answer' : 'http';
      count(failure);
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

/** Keep-alive agents shared by every client of GİB's services (idle sockets do not keep the process alive). */
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/**
 * One HTTP exchange bounded by `timeoutMs`, request and answer body together: on expiry the request is destroyed.
 * Shared by every client of GİB's services (SOAP here, the cancellation portal's JSON).
 */
export function httpExchange(
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer },
  timeoutMs: number,
): Promise<HttpAnswer> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  return new Promise<HttpAnswer>((resolve, reject) => {
    let status: number | null = null;
    let settled = false;
    const fail = (failure: 'timeout' | 'network', cause: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new TransportFailure(failure, status, cause));
    };
    const headers = init.body ? { ...init.headers, 'content-length': String(init.body.length) } : init.headers;
    const req = (secure ? https : http).request(u, { method: init.method, headers, agent: secure ? agents.https : agents.http }, (res) => {
      status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: status!, ok: status! >= 200 && status! < 300, body: Buffer.concat(chunks) });
      });
      res.on('error', (err) => fail('network', err));
      res.on('aborted', () => fail('network', new Error('answer aborted')));
    });
    const timer = setTimeout(() => {
      fail('timeout', new Error(`no answer within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => fail('network', err));
    req.end(init.body);
  });
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

/** A socket's error as words: its message and code (ECONNREFUSED, ECONNRESET, …). */
export function describeNetworkError(err: unknown): string {
  if (isGatewayError(err)) return err.message;
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause;
  if (cause && (cause.code || cause.message)) return `${e.message ?? 'request failed'} (${cause.code ?? cause.message})`;
  if (e?.code && !String(e.message).includes(e.code)) return `${e.message} (${e.code})`;
  return e?.message ?? String(err);
}
