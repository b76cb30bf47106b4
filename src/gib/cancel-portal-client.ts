/**
 * The gateway's client of the e-Fatura cancellation portal (e-Fatura İptal/İtiraz Portalı) in the machine form the
 * GİB simulator offers (src/simulator/cancel-portal.ts: JSON over HTTP under /FaturaIptal, every state-changing call
 * carrying a signed document of the codec, src/gib/protocol/cancel-request.ts). GİB's own portal is a web UI with
 * no machine API, so this client talks to the simulator (or to anything serving the same API).
 *
 * The caller builds and signs the documents (buildCancelRequest + signXml with CANCEL_REQUEST_SIGNATURE_PLACEMENT,
 * buildCancelDecision + CANCEL_DECISION_SIGNATURE_PLACEMENT); the client only moves bytes.
 *
 * Failures are CancelPortalError, a GibCallError, so the one retry table of client-errors.ts decides: a refusal of
 * the portal (HTTP 4xx with { code, message }: the stable code of CANCEL_PORTAL_REFUSALS and its Turkish message) is
 * not retryable; no answer (network failure, `timeoutMs` passed: the request is aborted), HTTP 5xx, 408, 429 and an
 * unreadable answer are. A timeout after a create or a decision may hide a success: a resent CancelRequest is refused
 * TALEP_NO_KULLANILMIS, a resent decision TALEP_ONAY_BEKLEMIYOR; `get(id)` tells which.
 */
import { GibCallError, type GibCallFailure } from './client-errors';
import { gibCallTimer } from '../metrics';
import { TransportFailure, describeNetworkError, httpExchange, type HttpAnswer } from './soap-call';
import { CANCEL_REQUEST_STATES, type CancelRequestView } from './protocol/cancel-request';

export type { CancelRequestView, CancelRequestState, CancelPortalRefusalCode } from './protocol/cancel-request';

export interface CancelPortalClient {
  /** Sends a signed CancelRequest; the request as the portal recorded it ("Onay Bekliyor"). */
  createRequest(signedRequestXml: Buffer): Promise<CancelRequestView>;
  /** Sends a signed CancelDecision: APPROVE / REJECT (the receiver) or DELETE (the sender). */
  decide(signedDecisionXml: Buffer): Promise<CancelRequestView>;
  /** Requests made by (`made`) or to (`received`) vknTckn; from/to YYYY-MM-DD, default the last 10 days; newest first. */
  list(q: { vknTckn: string; direction: 'made' | 'received'; from?: string; to?: string }): Promise<CancelRequestView[]>;
  /** null when the portal does not know the id. */
  get(id: string): Promise<CancelRequestView | null>;
}

export interface CancelPortalClientOptions {
  /** The portal's base URL, e.g. the simulator's cancelPortalUrl (http://127.0.0.1:8090/FaturaIptal). */
  url: string;
  /** Longest a call may take, answer included. */
  timeoutMs: number;
}

export class CancelPortalError extends GibCallError {
  /** The portal's stable code (CANCEL_PORTAL_REFUSALS, e.g. TUTAR_HATALI); null when no answer carried one. */
  readonly code: string | null;

  constructor(o: { code: string | null; failure: GibCallFailure; message: string; httpStatus?: number | null; cause?: unknown }) {
    super({ gibCode: null, failure: o.failure, message: o.message, httpStatus: o.httpStatus ?? null, cause: o.cause });
    this.name = 'CancelPortalError';
    this.code = o.code;
  }
}

export function isCancelPortalError(err: unknown): err is CancelPortalError {
  return err instanceof CancelPortalError;
}

interface Answer {
  status: number;
  json: unknown;
}

export function createCancelPortalClient(opts: CancelPortalClientOptions): CancelPortalClient {
  const base = new URL(opts.url).toString().replace(/\/+$/, ''); // fails at start, not on the first call
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new Error(`cancel portal client: timeoutMs must be a positive number, got ${opts.timeoutMs}`);

  async function call(what: string, method: 'GET' | 'POST', path: string, body?: Buffer): Promise<Answer> {
    const count = gibCallTimer('cancel-portal', what);
    let answer: HttpAnswer;
    try {
      const headers = { accept: 'application/json', ...(body ? { 'content-type': 'application/xml' } : {}) };
      answer = await httpExchange(`${base}${path}`, { method, headers, ...(body ? { body } : {}) }, opts.timeoutMs);
    } catch (err) {
      if (!(err instanceof TransportFailure)) throw err;
      count(err.failure);
      const detail = err.failure === 'timeout' ? `${opts.timeoutMs} ms içinde yanıt gelmedi` : describeNetworkError(err.cause);
      throw new CancelPortalError({ code: null, failure: err.failure, httpStatus: err.httpStatus, message: `iptal portalı ${what}: ${detail}`, cause: err.cause });
    }
    const status = answer.status;
    let json: unknown;
    try {
      json = JSON.parse(answer.body.toString('utf8'));
      count(answer.ok ? 'ok' : 'fault');
    } catch (err) {
      count(answer.ok ? 'answer' : 'http');
      throw new CancelPortalError({ code: null, failure: answer.ok ? 'answer' : 'http', httpStatus: status, message: `iptal portalı ${what}: HTTP ${status}, okunamayan yanıt`, cause: err });
    }
    if (!answer.ok) {
      const r = json as { code?: unknown; message?: unknown };
      if (typeof r?.code === 'string' && typeof r.message === 'string') {
        throw new CancelPortalError({ code: r.code, failure: 'http', httpStatus: status, message: r.message });
      }
      throw new CancelPortalError({ code: null, failure: 'http', httpStatus: status, message: `iptal portalı ${what}: HTTP ${status}` });
    }
    return { status, json };
  }

  function view(what: string, a: Answer, v: unknown): CancelRequestView {
    const r = v as Partial<CancelRequestView> | null;
    const strings = ['id', 'senderVknTckn', 'receiverVknTckn', 'ettn', 'invoiceNumber', 'invoiceDate', 'amount', 'currency', 'requestedAt'] as const;
    const ok =
      !!r &&
      typeof r === 'object' &&
      strings.every((k) => typeof r[k] === 'string') &&
      (CANCEL_REQUEST_STATES as readonly unknown[]).includes(r.state) &&
      (r.decidedAt === undefined || typeof r.decidedAt === 'string');
    if (!ok) throw new CancelPortalError({ code: null, failure: 'answer', httpStatus: a.status, message: `iptal portalı ${what}: beklenmeyen yanıt` });
    return r as CancelRequestView;
  }

  return {
    async createRequest(signedRequestXml) {
      const a = await call('talep', 'POST', '/talepler', signedRequestXml);
      return view('talep', a, (a.json as { request?: unknown })?.request);
    },

    async decide(signedDecisionXml) {
      const a = await call('karar', 'POST', '/kararlar', signedDecisionXml);
      return view('karar', a, (a.json as { request?: unknown })?.request);
    },

    async list(q) {
      const params = new URLSearchParams({ vknTckn: q.vknTckn, direction: q.direction });
      if (q.from !== undefined) params.set('from', q.from);
      if (q.to !== undefined) params.set('to', q.to);
      const a = await call('liste', 'GET', `/talepler?${params.toString()}`);
      const list = (a.json as { requests?: unknown })?.requests;
      if (!Array.isArray(list)) throw new CancelPortalError({ code: null, failure: 'answer', httpStatus: a.status, message: 'iptal portalı liste: beklenmeyen yanıt' });
      return list.map((x) => view('liste', a, x));
    },

    async get(id) {
      try {
        const a = await call('sorgu', 'GET', `/talepler/${encodeURIComponent(id)}`);
        return view('sorgu', a, a.json);
      } catch (err) {
        if (err instanceof CancelPortalError && err.code === 'TALEP_BULUNAMADI') return null;
        throw err;
      }
    },
  };
}
