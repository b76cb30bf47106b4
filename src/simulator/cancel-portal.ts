/**
 * GİB's e-Fatura cancellation portal (e-Fatura İptal/İtiraz Portalı, https://portal.efatura.gov.tr/FaturaIptal/;
 * ../shared/gib/docs/efatura-e-Fatura_Iptal_Ihtar_Itiraz_Bildirim_Kilavuzu_V_1.2.txt, "the guide"; seed 004) as a
 * small machine API of the simulator. GİB's portal is a web UI; here every state-changing call carries a signed XML
 * document of the codec (src/gib/protocol/cancel-request.ts, our own namespace: GİB publishes no XML for it).
 *
 *   POST /FaturaIptal/talepler        body: signed CancelRequest (any content type, ≤ 1 MB)
 *                                     201 { message, request: CancelRequestView }           "Talep Oluştur"
 *   POST /FaturaIptal/kararlar        body: signed CancelDecision (APPROVE | REJECT | DELETE)
 *                                     200 { message: "İşlem Başarılı", request }  "Fatura İptal Et" / "Talebi Reddet" /
 *                                                                                 "Seçilen Talepleri Sil"
 *   GET  /FaturaIptal/talepler?vknTckn=…&direction=made|received[&from=YYYY-MM-DD][&to=YYYY-MM-DD]
 *                                     200 { from, to, requests: CancelRequestView[] }, newest first
 *                                     made: "İptal Edilmesini Talep Ettiğiniz Faturalar" (vknTckn is the sender),
 *                                     received: the requests made to vknTckn (it is the receiver)
 *   GET  /FaturaIptal/talepler/:id    200 CancelRequestView, 404 TALEP_BULUNAMADI
 *   GET  /admin/cancel-requests       (admin API) every request with the simulator's own fields
 *
 * A refusal is { code, message } with the HTTP status of CANCEL_PORTAL_REFUSALS (codec): stable codes, Turkish
 * messages. Reading is not authenticated (GİB's portal asks for the seal at login; the simulator is a test double).
 *
 * Rules, from the guide:
 * - a request names an invoice by number and payable amount, signed by its sender (§4.3); the invoice must be one
 *   Merkez delivered (a SENDERENVELOPE that reached 1300) from that sender, with that number, ETTN, date, receiver
 *   and PayableAmount (+ currency) — else FATURA_BULUNAMADI / FATURA_BILGISI_UYUSMUYOR / TUTAR_HATALI (§4.3: "sistemde
 *   kayıtlı olmayan e-Fatura no, hatalı ödenecek tutar bilgisi"); an invoice already cancelled is FATURA_ZATEN_IPTAL
 *   (§4.3 "daha önceden iptal edilmiş fatura"); a second waiting request for it BEKLEYEN_TALEP_VAR;
 * - only Temel and Hal tipi (HKS) invoices are cancelled through the portal (§2: Ticari only takes objections there,
 *   its cancellation is the "Ret Uygulama Yanıtı"; Kamu only objections): SENARYO_UYGUN_DEGIL;
 * - 8 days (§2: "e-Faturanın alıcısına iletildiği tarihten itibaren 8 günlük süre içerisinde … iptal talebi
 *   oluşturmalarına ve … onaylayabilmelerine imkan getirilmiştir. 8 günü aşan sürelerde sistem talep oluşturulmasına
 *   ya da talebin onaylanmasına imkan vermemektedir"; §4: "8 günlük sürenin tespiti e-faturanın alıcıya iletilme
 *   tarihinden itibaren başlar"): creating and approving are refused after the deadline (SURE_DOLDU); rejecting and
 *   deleting are not limited (the guide limits neither). The guide does not say how days are counted; we count
 *   calendar days in Turkish time, the delivery day not counted, the last day whole: delivered on D, allowed until
 *   D+8 23:59:59.999 (+03:00). "Delivered" is when Merkez handed the envelope to the receiver's postbox;
 * - the receiver approves or rejects (§4.2, §4.4), anyone else is ONAY_YETKISI_YOK; the sender deletes a request
 *   still waiting (seed 004), anyone else is SILME_YETKISI_YOK; a request no longer waiting is TALEP_ONAY_BEKLEMIYOR;
 * - approved: "Fatura İptal Edildi" with its approval time (§4.1, §4.3), and the envelope gets GİB's 1235 FATURA
 *   IPTAL'E KONU EDILDI, which getApplicationResponse then reports; rejected: "Talep Reddedildi" with the time too;
 * - lists: the last 10 days by default, any date range on request (seed 004: "Listede son 10 güne ait iptal
 *   talepleri listelenmiştir. Daha eski tarihli taleplerin durumunu tarih aralığına seçerek kontrol edebilirsiniz").
 *   Dates are Turkish calendar days of the request time, both ends included; the default is today and the 9 days
 *   before it.
 *
 * Signatures: with trustedRoots, verifyXml in full (chain, validity at the simulator's clock, signer = the party the
 * document names). Without, the signature must still be there, be intact and name that party: it is verified against
 * the certificate it carries (pinned), so a tampered document is refused, but no chain is checked.
 *
 * Not modelled: requests started by the receiver (§4.1, approved by the sender, §4.2) and objections (§5).
 */
import { turkishDay, turkishDayStart } from '../turkish-time';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { isGatewayError } from '../faults';
import {
  CANCEL_PORTAL_REFUSALS,
  GibProtocolError,
  cancelPortalMessage,
  gibText,
  parseCancelDecision,
  parseCancelRequest,
  sameAmount,
  turkishTime,
  type CancelDecisionKind,
  type CancelPortalRefusalCode,
  type CancelRequestState,
  type CancelRequestView,
} from '../gib/protocol';
import { verifyXml } from '../signing/verify';
import { parseXml, type XmlElement } from '../xml/parse';
import type { SimEnvelope, SimulatorStore } from './store';

export const CANCEL_PORTAL_PATH = '/FaturaIptal';

/** §2, §4: 8 days from delivery to the receiver. */
export const CANCEL_WINDOW_DAYS = 8;
/** Seed 004: the list shows the last 10 days unless a range is chosen. */
export const DEFAULT_LIST_DAYS = 10;
/** §2: the scenarios whose invoices the portal cancels (Temel, Hal tipi). */
export const CANCELLABLE_PROFILES: ReadonlySet<string> = new Set(['TEMELFATURA', 'HKS']);

const DAY_MS = 24 * 3600_000;
const MAX_DOCUMENT_BYTES = 1024 * 1024;
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** The last moment a request may be made or approved for an invoice delivered at `deliveredAt` (see the file comment). */
export function cancellationDeadline(deliveredAt: Date): Date {
  return turkishDayStart(turkishDay(deliveredAt), CANCEL_WINDOW_DAYS + 1, -1);
}

/** A time as the portal's JSON shows it: Turkish wall time with its offset. */
function turkishIso(d: Date): string {
  return `${turkishTime(d).dateTime}+03:00`;
}

// --- the request store ---------------------------------------------------------------------------------------------

/** A request as the simulator keeps it: the portal's columns (times here in ISO UTC; the view writes them in Turkish time), and its own. */
export interface SimCancelRequest extends CancelRequestView {
  envelopeId: string;
  deliveredAt: string;
  deadline: string;
  /** RequestTime as the sender wrote it. */
  signedRequestTime: string;
  decision?: { kind: CancelDecisionKind; by: string; signedTime: string };
  requestDocument: Buffer;
  decisionDocument?: Buffer;
}

/** In memory, like the rest of the simulator's store; SimulatorStore holds one and clears it on reset. */
export class CancelRequestStore {
  private readonly byId = new Map<string, SimCancelRequest>();

  add(r: SimCancelRequest): void {
    this.byId.set(r.id.toLowerCase(), r);
  }

  get(id: string): SimCancelRequest | undefined {
    return this.byId.get(id.toLowerCase());
  }

  all(): SimCancelRequest[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }
}

export function cancelRequestView(r: SimCancelRequest): CancelRequestView {
  return {
    id: r.id,
    senderVknTckn: r.senderVknTckn,
    receiverVknTckn: r.receiverVknTckn,
    ettn: r.ettn,
    invoiceNumber: r.invoiceNumber,
    invoiceDate: r.invoiceDate,
    amount: r.amount,
    currency: r.currency,
    requestedAt: turkishIso(new Date(r.requestedAt)),
    state: r.state,
    ...(r.decidedAt ? { decidedAt: turkishIso(new Date(r.decidedAt)) } : {}),
  };
}

// --- the API -------------------------------------------------------------------------------------------------------

class Refusal extends Error {
  constructor(
    readonly code: CancelPortalRefusalCode,
    readonly params: Record<string, string> = {},
  ) {
    super(cancelPortalMessage(code, params));
  }
}

export interface CancelPortalDeps {
  store: SimulatorStore;
  clock: () => Date;
  log: Logger;
  /** Roots signatures must chain to (asked per document: the embedded simulator follows the gateway's); none: presence only. */
  trustedRoots: () => Promise<Array<Buffer | string>>;
}

export interface CancelPortal {
  /** Mounted at CANCEL_PORTAL_PATH. */
  router: express.Router;
  /** GET /admin/cancel-requests. */
  adminList: RequestHandler;
}

export function createCancelPortal(d: CancelPortalDeps): CancelPortal {
  const requests = d.store.cancelRequests;
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: MAX_DOCUMENT_BYTES });

  const refuse = (res: Response, err: unknown): void => {
    if (err instanceof Refusal) {
      res.status(CANCEL_PORTAL_REFUSALS[err.code].http).json({ code: err.code, message: err.message });
      return;
    }
    d.log.error({ err }, 'cancel portal failed');
    res.status(500).json({ code: 'SISTEM_HATASI', message: cancelPortalMessage('SISTEM_HATASI') });
  };

  const bodyOf = (req: Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

  /** The document's seal must be sound and be `party`'s (see the file comment for the two modes). */
  async function checkSignature(xml: Buffer, signed: boolean, party: string): Promise<void> {
    if (!signed) throw new Refusal('IMZA_BULUNAMADI');
    const trusted = await d.trustedRoots();
    const roots = trusted.length > 0 ? trusted : embeddedCertificates(xml);
    let signer: string | null;
    try {
      ({ signerId: signer } = await verifyXml(xml, { trustedRoots: roots, now: d.clock() }));
    } catch (err) {
      if (!isGatewayError(err)) throw err;
      const detail = String(err.params.detail ?? err.message);
      if (err.fault === 'SIGNATURE_MISSING') throw new Refusal('IMZA_BULUNAMADI');
      if (err.fault === 'SIGNATURE_UNTRUSTED') throw new Refusal('IMZA_GUVENILIR_DEGIL', { detail });
      throw new Refusal('IMZA_GECERSIZ', { detail });
    }
    if (!signer) throw new Refusal('IMZA_SAHIBI_ALINAMADI');
    if (signer !== party) throw new Refusal('IMZA_SAHIBI_YETKISIZ', { signer, party });
  }

  function parse<T>(f: (xml: Buffer) => T, xml: Buffer): T {
    try {
      return f(xml);
    } catch (err) {
      if (err instanceof GibProtocolError || isGatewayError(err)) throw new Refusal('BELGE_HATALI', { detail: err.message });
      throw err;
    }
  }

  /** The delivered invoice `number` of `sender`: its envelope and the document's index in it. */
  function findInvoice(sender: string, number: string): { env: SimEnvelope; i: number } | undefined {
    let found: { env: SimEnvelope; i: number } | undefined;
    for (const env of d.store.envelopes.values()) {
      if (env.type !== 'SENDERENVELOPE' || env.elementType !== 'INVOICE' || env.sender?.vknTckn !== sender) continue;
      if (!env.history.some((h) => h.code === 1300)) continue;
      const i = env.documentIds.indexOf(number);
      if (i >= 0 && (!found || env.receivedAt > found.env.receivedAt)) found = { env, i };
    }
    return found;
  }

  function deliveredAt(env: SimEnvelope): Date {
    const at = env.delivery.deliveredAt ?? env.history.find((h) => h.code === 1300)?.at ?? env.receivedAt;
    return new Date(at);
  }

  function windowOpen(env: SimEnvelope, what: string): { delivered: Date; deadline: Date } {
    const delivered = deliveredAt(env);
    const deadline = cancellationDeadline(delivered);
    if (d.clock().getTime() > deadline.getTime()) {
      throw new Refusal('SURE_DOLDU', { deliveredOn: turkishTime(delivered).date, deadline: turkishIso(deadline), what });
    }
    return { delivered, deadline };
  }

  router.post('/talepler', raw, async (req: Request, res: Response) => {
    try {
      const xml = bodyOf(req);
      const r = parse(parseCancelRequest, xml);
      await checkSignature(xml, r.signed, r.senderVknTckn);
      if (requests.get(r.id)) throw new Refusal('TALEP_NO_KULLANILMIS', { requestId: r.id });

      const hit = findInvoice(r.senderVknTckn, r.invoiceNumber);
      if (!hit) throw new Refusal('FATURA_BULUNAMADI', { vknTckn: r.senderVknTckn, invoiceNumber: r.invoiceNumber });
      const { env, i } = hit;
      const ettn = env.documentUuids[i] ?? '';
      const doc = env.documentDetails[i] ?? { issueDate: '', profileId: '', payableAmount: '', currency: '' };
      const mismatch = (field: string, given: string, actual: string): Refusal =>
        new Refusal('FATURA_BILGISI_UYUSMUYOR', { field, given, actual, invoiceNumber: r.invoiceNumber });
      if (ettn.toLowerCase() !== r.ettn.toLowerCase()) throw mismatch('ETTN', r.ettn, ettn);
      if (env.receiver?.vknTckn !== r.receiverVknTckn) throw mismatch('alıcı VKN/TCKN', r.receiverVknTckn, env.receiver?.vknTckn ?? '');
      if (doc.issueDate !== r.invoiceDate) throw mismatch('fatura tarihi', r.invoiceDate, doc.issueDate);
      if (!sameAmount(r.amount, doc.payableAmount) || r.currency !== doc.currency) throw new Refusal('TUTAR_HATALI', { invoiceNumber: r.invoiceNumber });
      if (!CANCELLABLE_PROFILES.has(doc.profileId)) {
        const hint =
          doc.profileId === 'TICARIFATURA'
            ? 'Ticari faturalar, alıcıya iletildiği tarihten itibaren 8 gün içinde alıcının ret uygulama yanıtı ile iptal edilir.'
            : 'Portal üzerinden yalnızca Temel ve Hal tipi (HKS) faturalar iptal edilebilir.';
        throw new Refusal('SENARYO_UYGUN_DEGIL', { profile: doc.profileId || '(ProfileID yok)', hint });
      }
      const same = requests.all().filter((x) => x.ettn.toLowerCase() === ettn.toLowerCase());
      if (same.some((x) => x.state === 'Fatura İptal Edildi')) throw new Refusal('FATURA_ZATEN_IPTAL', { invoiceNumber: r.invoiceNumber });
      const waiting = same.find((x) => x.state === 'Onay Bekliyor');
      if (waiting) throw new Refusal('BEKLEYEN_TALEP_VAR', { invoiceNumber: r.invoiceNumber, requestId: waiting.id });
      const { delivered, deadline } = windowOpen(env, 'iptal talebi oluşturulamaz');

      const rec: SimCancelRequest = {
        id: r.id,
        senderVknTckn: r.senderVknTckn,
        receiverVknTckn: r.receiverVknTckn,
        ettn,
        invoiceNumber: r.invoiceNumber,
        invoiceDate: doc.issueDate,
        amount: doc.payableAmount,
        currency: doc.currency,
        requestedAt: d.clock().toISOString(),
        state: 'Onay Bekliyor',
        envelopeId: env.id,
        deliveredAt: delivered.toISOString(),
        deadline: deadline.toISOString(),
        signedRequestTime: r.requestedAt,
        requestDocument: Buffer.from(xml),
      };
      requests.add(rec);
      d.log.info({ request: rec.id, invoice: rec.invoiceNumber }, 'cancellation requested');
      // Seed 004, the portal's answer.
      const message = `${rec.senderVknTckn} vergi / tc kimlik numaralı mükellefe ait ${rec.invoiceNumber} numaralı ${rec.amount} tutarındaki fatura için iptal talebi oluşturuldu.`;
      res.status(201).json({ message, request: cancelRequestView(rec) });
    } catch (err) {
      refuse(res, err);
    }
  });

  router.post('/kararlar', raw, async (req: Request, res: Response) => {
    try {
      const xml = bodyOf(req);
      const k = parse(parseCancelDecision, xml);
      await checkSignature(xml, k.signed, k.deciderVknTckn);
      const rec = requests.get(k.requestId);
      if (!rec) throw new Refusal('TALEP_BULUNAMADI', { requestId: k.requestId });
      if (k.decision === 'DELETE') {
        if (k.deciderVknTckn !== rec.senderVknTckn) throw new Refusal('SILME_YETKISI_YOK', { sender: rec.senderVknTckn, decider: k.deciderVknTckn });
      } else if (k.deciderVknTckn !== rec.receiverVknTckn) {
        throw new Refusal('ONAY_YETKISI_YOK', { receiver: rec.receiverVknTckn, decider: k.deciderVknTckn });
      }
      if (rec.state !== 'Onay Bekliyor') throw new Refusal('TALEP_ONAY_BEKLEMIYOR', { state: rec.state });
      const env = d.store.getEnvelope(rec.envelopeId);
      if (k.decision === 'APPROVE') {
        if (!env) throw new Refusal('FATURA_BULUNAMADI', { vknTckn: rec.senderVknTckn, invoiceNumber: rec.invoiceNumber });
        windowOpen(env, 'iptal talebi onaylanamaz');
      }

      const now = d.clock();
      rec.state = k.decision === 'APPROVE' ? 'Fatura İptal Edildi' : k.decision === 'REJECT' ? 'Talep Reddedildi' : 'Silindi';
      rec.decidedAt = now.toISOString();
      rec.decision = { kind: k.decision, by: k.deciderVknTckn, signedTime: k.decidedAt };
      rec.decisionDocument = Buffer.from(xml);
      if (k.decision === 'APPROVE' && env) {
        // getApplicationResponse now reports 1235 FATURA IPTAL'E KONU EDILDI for the envelope.
        env.state = 1235;
        env.history.push({ code: 1235, text: gibText(1235), at: rec.decidedAt, detail: `${rec.invoiceNumber} (ETTN ${rec.ettn}), iptal talebi ${rec.id}` });
      }
      d.log.info({ request: rec.id, decision: k.decision }, 'cancellation request decided');
      // Guide §4.2, §4.4: the portal answers "İşlem Başarılı".
      res.json({ message: 'İşlem Başarılı', request: cancelRequestView(rec) });
    } catch (err) {
      refuse(res, err);
    }
  });

  router.get('/talepler', (req: Request, res: Response) => {
    try {
      const q = req.query as Record<string, unknown>;
      const str = (k: string): string | undefined => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
      const vknTckn = str('vknTckn');
      const direction = str('direction');
      if (!vknTckn || !/^[0-9]{10,11}$/.test(vknTckn)) throw new Refusal('SORGU_HATALI', { detail: 'vknTckn 10 veya 11 haneli olmalı' });
      if (direction !== 'made' && direction !== 'received') throw new Refusal('SORGU_HATALI', { detail: 'direction made veya received olmalı' });
      const day = (k: string): string | undefined => {
        const v = str(k);
        if (v === undefined) return undefined;
        const t = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : null;
        if (!t || Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== v) throw new Refusal('SORGU_HATALI', { detail: `${k} YYYY-AA-GG biçiminde bir tarih olmalı` });
        return v;
      };
      const shift = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
      const givenTo = day('to');
      const givenFrom = day('from');
      const to = givenTo ?? turkishTime(d.clock()).date;
      const from = givenFrom ?? shift(to, -(DEFAULT_LIST_DAYS - 1));
      if (from > to) throw new Refusal('SORGU_HATALI', { detail: 'başlangıç tarihi bitiş tarihinden sonra olamaz' });
      const list = requests
        .all()
        .filter((r) => (direction === 'made' ? r.senderVknTckn : r.receiverVknTckn) === vknTckn)
        .filter((r) => {
          const on = turkishTime(new Date(r.requestedAt)).date;
          return on >= from && on <= to;
        })
        .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0));
      res.json({ from, to, requests: list.map(cancelRequestView) });
    } catch (err) {
      refuse(res, err);
    }
  });

  router.get('/talepler/:id', (req: Request, res: Response) => {
    const rec = requests.get(String(req.params.id));
    if (!rec) {
      refuse(res, new Refusal('TALEP_BULUNAMADI', { requestId: String(req.params.id) }));
      return;
    }
    res.json(cancelRequestView(rec));
  });

  const adminList: RequestHandler = (_req, res) => {
    res.json(
      requests.all().map((r) => {
        const { requestDocument, decisionDocument, ...rest } = r;
        return { ...rest, view: cancelRequestView(r), requestDocumentBytes: requestDocument.length, ...(decisionDocument ? { decisionDocumentBytes: decisionDocument.length } : {}) };
      }),
    );
  };

  return { router, adminList };
}

/** The certificates a signed document carries (ds:X509Certificate), for verification without trusted roots. */
function embeddedCertificates(xml: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const walk = (el: XmlElement): void => {
    if (el.ns === DS_NS && el.local === 'X509Certificate') out.push(Buffer.from(el.text.replace(/\s+/g, ''), 'base64'));
    for (const c of el.children) walk(c);
  };
  try {
    walk(parseXml(xml).root);
  } catch {
    // verifyXml reports what is wrong with the document.
  }
  return out;
}
