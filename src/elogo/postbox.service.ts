/**
 * e-Logo's PostBoxService operations (issue 15; ../shared/elogo/elogo-api-v16-webservices.txt and
 * elogo-api-webservice-document.txt) over the gateway's own services: no rule is implemented twice — SendDocument is
 * SendInvoice, GetDocumentStatus is GetStatus, CANCELEARCHIVEINVOICE is CancelInvoice, CREATEAPPLICATIONRESPONSE is
 * SendApplicationResponse, GetDocument/GetDocumentDone walk the inbox. What they answer is e-Logo's ResultType:
 * resultCode 1 Başarılı, 0 nothing waiting / not found, -1 an error with its text, -2 "Tekrar Oturum Açınız." for a
 * session that is unknown or expired. A typed fault of the gateway becomes -1 with its text, its code in outputList.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { deleteSession, insertSession, liveSession, markPulled, pulledUuids, responseEnvelopesOf, touchSession, type PulledEnvelope } from '../db/elogo';
import { allGibUsers } from '../db/gib-users';
import { buildUserList, md5Hex, openEnvelope, type GibUser } from '../gib/protocol';
import { findIncomingInvoice, listIncomingInvoices } from '../db/incoming-invoices';
import { findInvoice } from '../db/invoices';
import { GatewayError, asGatewayError, isGatewayError } from '../faults';
import { toEttn } from '../ids';
import type { Authenticator, Caller } from '../security/authenticator';
import type { ApplicationResponseService } from '../services/application-response.service';
import type { GibUserDirectory } from '../services/gib-users';
import type { InvoiceCancelService } from '../services/invoice-cancel.service';
import type { InvoiceService } from '../services/invoice.service';
import type { InvoiceVisualService } from '../services/invoice-visual.service';
import type { OutgoingInvoiceService } from '../services/outgoing-invoices.service';
import type { BlobStore } from '../storage/blob-store';
import { zipOne } from '../zip/write';

export interface ResultType {
  resultCode: number;
  resultMsg: string;
  outputList?: string[] | null;
}

/** A binary document as e-Logo hands it out: a ZIP, its name, its MD5 and the date. */
export interface DocumentData {
  binaryData: Buffer;
  fileName: string;
  hash: string;
  currentDate: Date;
}

export const OK: ResultType = { resultCode: 1, resultMsg: 'Başarılı' };
/** e-Logo's RESULT TYPE table: the session is unknown or closed — log in again. */
export const SESSION_EXPIRED: ResultType = { resultCode: -2, resultMsg: 'Tekrar Oturum Açınız.' };
const NOTHING_WAITING: ResultType = { resultCode: 0, resultMsg: 'Bekleyen belge yok.' };
const NOT_FOUND: ResultType = { resultCode: 0, resultMsg: 'Belge bulunamadı.' };
export const NOT_SUPPORTED = (what: string): ResultType => ({ resultCode: -1, resultMsg: `${what} bu entegratörde desteklenmiyor.` });

/** Document types of e-Logo's lists that this gateway does not handle (e-İrsaliye, e-MM, e-SMM, ÖKC, tax free). */
const UNSUPPORTED_TYPES = new Set([
  'DESPATCHADVICE', 'DESPATCHADVICEENVELOPE', 'RECEIPTADVICE', 'RECEIPTADVICEENVELOPE', 'CANCELTAXFREEINVOICEBYUUID', 'CANCELTAXFREEINVOICE',
  'OKCREPORT', 'PRODUCERRECEIPT', 'CANCELPRODUCERRECEIPT', 'SELFEMPLOYMENTRECEIPT', 'CANCELSELFEMPLOYMENTRECEIPT', 'EBOOK', 'ENVELOPE',
]);
/** Sent by SendDocument only as the gateway builds it (CREATEAPPLICATIONRESPONSE): a caller's own UBL response is not taken. */
const UNSUPPORTED_TO_SEND = new Set([...UNSUPPORTED_TYPES, 'APPLICATIONRESPONSE']);

export class SessionExpired extends Error {}

/** What GetDocument hands out (DOCUMENTTYPE) — the rest of e-Logo's kinds are e-İrsaliye's. */
const PULLED_KINDS = new Set(['EINVOICE', 'APPLICATIONRESPONSE', 'SYSTEMRESPONSE']);
const UBL_CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';

/** paramList's "NAME=VALUE" strings, by upper-case name (the first of a name wins). */
export function parseParams(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) continue;
    const name = item.slice(0, i).trim().toUpperCase();
    if (!out.has(name)) out.set(name, item.slice(i + 1).trim());
  }
  return out;
}

/** A DOCUMENTTYPE none of e-Logo's lists has. */
function unknownType(type: string): GatewayError {
  return new GatewayError('REQUEST_FIELD', { field: `paramList DOCUMENTTYPE (${type.slice(0, 40)} bilinmiyor)` });
}

/** A gateway fault as e-Logo's error result: its text, its code beside it. */
function failure(err: GatewayError): ResultType {
  return { resultCode: -1, resultMsg: err.message, outputList: [`ERRORCODE=${err.code}`] };
}


export interface PostBoxDeps {
  db: Knex;
  clock: () => Date;
  logger: Logger;
  authenticator: Authenticator;
  invoices: InvoiceService;
  outgoing: OutgoingInvoiceService;
  blobs: BlobStore;
  invoiceCancel: InvoiceCancelService | null;
  applicationResponses: ApplicationResponseService | null;
  users: GibUserDirectory | null;
  /** GetDocumentData's DATAFORMAT=HTML / PDF: the invoice's visual (absent: -1 not supported). */
  visuals?: InvoiceVisualService | null;
  /** A session lives this long after its last call. */
  sessionMinutes: number;
}

/** DURUM KODLARI: GİB's codes carry "(GIB) " before their text; the integrator's stages e-Logo's own words. */
const INTEGRATOR_STAGES: Record<number, string> = { 10: 'Entegratörde Kuyrukta', 20: 'Entegratörde İşlendi', 30: 'Entegratörde İmzalandı', 40: 'Entegratörde Zarflandı', 50: "GIB'e gönderildi" };

export function createPostBoxService(deps: PostBoxDeps) {
  const now = () => deps.clock();
  const expiry = () => new Date(now().getTime() + deps.sessionMinutes * 60_000).toISOString();

  async function caller(sessionId: string | null | undefined): Promise<Caller> {
    if (!sessionId) throw new SessionExpired();
    const s = await liveSession(deps.db, sessionId.trim(), now().toISOString());
    if (!s) throw new SessionExpired();
    await touchSession(deps.db, sessionId.trim(), expiry());
    return s;
  }

  /** Runs `work` for the session's caller: a lost session is -2, a typed fault -1 with its text. */
  async function withSession(sessionId: string | null | undefined, work: (c: Caller) => Promise<ResultType>): Promise<ResultType> {
    try {
      return await work(await caller(sessionId));
    } catch (err) {
      if (err instanceof SessionExpired) return SESSION_EXPIRED;
      const e = asGatewayError(err);
      if (e.fault === 'INTERNAL') deps.logger.error({ cause: e.cause instanceof Error ? e.cause.message : e.cause }, 'PostBoxService: internal error');
      return failure(e);
    }
  }

  function documentType(params: Map<string, string>): string {
    const t = params.get('DOCUMENTTYPE')?.toUpperCase();
    if (!t) throw new GatewayError('REQUEST_FIELD', { field: 'paramList DOCUMENTTYPE' });
    return t;
  }

  function zipped(name: string, xml: Buffer): Promise<Buffer> {
    return zipOne(name, xml);
  }

  /** The one document of a received response envelope and its cbc:UUID; null when it cannot be read. */
  async function responseDocument(env: PulledEnvelope): Promise<{ uuid: string; xml: Buffer } | null> {
    try {
      const zip = await deps.blobs.get(env.blobSha256);
      const { envelope } = await openEnvelope(env.fileName ?? `${env.id}.zip`, zip, env.md5 ?? md5Hex(zip));
      const first = envelope.elements[0];
      const uuid = first?.element.children.find((c) => c.ns === UBL_CBC && c.local === 'UUID')?.text.trim();
      return first && uuid ? { uuid, xml: first.document } : null;
    } catch (err) {
      deps.logger.warn({ envelope: env.id, error: (err as Error).message }, 'PostBoxService: a received response could not be read');
      return null;
    }
  }

  const service = {
    /** Login: the same users, passwords and lockout as the native API; a session id lives `sessionMinutes` idle. */
    async login(userName: string, passWord: string): Promise<string> {
      const c = await deps.authenticator.login(userName.trim(), passWord);
      const sessionId = randomUUID();
      await insertSession(deps.db, { sessionId, userId: c.userId, tenantId: c.tenantId, createdAt: now().toISOString(), expiresAt: expiry() });
      return sessionId;
    },

    async logout(sessionId: string): Promise<boolean> {
      return deleteSession(deps.db, sessionId.trim());
    },

    /** SendDocument: an e-Fatura or e-Arşiv invoice (a ZIP with its one UBL), an e-Arşiv cancellation, a KABUL/RED. */
    async sendDocument(sessionId: string | null, paramList: readonly string[], document: { binaryData: Buffer | null; fileName: string | null; hash: string | null }): Promise<{ result: ResultType; refId: number }> {
      let refId = 0;
      const result = await withSession(sessionId, async (c) => {
        const params = parseParams(paramList);
        const type = documentType(params);
        if (type === 'CANCELEARCHIVEINVOICE') {
          if (!deps.invoiceCancel) return NOT_SUPPORTED('e-Arşiv iptali');
          const uuid = params.get('UUID');
          const number = params.get('ELEMENTID');
          if (!uuid && !number) throw new GatewayError('REQUEST_FIELD', { field: 'paramList UUID veya ELEMENTID' });
          const r = await deps.invoiceCancel.cancel(c, uuid ? { ettn: toEttn(uuid) } : { number: number! });
          refId = (await findInvoice(deps.db, c.tenantId, { ettn: r.ettn }))?.id ?? 0;
          return OK;
        }
        if (type === 'CREATEAPPLICATIONRESPONSE') {
          if (!deps.applicationResponses) return NOT_SUPPORTED('Uygulama yanıtı');
          const answer = params.get('APPLICATIONRESPONSE')?.toUpperCase();
          if (answer !== 'KABUL' && answer !== 'RED') throw new GatewayError('REQUEST_FIELD', { field: 'paramList APPLICATIONRESPONSE (KABUL veya RED)' });
          const uuid = params.get('UUID');
          if (!uuid) throw new GatewayError('REQUEST_FIELD', { field: 'paramList UUID' });
          refId = await deps.applicationResponses.answer(c, { ettn: toEttn(uuid), code: answer, reason: params.get('DESCRIPTION') ?? null });
          return OK;
        }
        if (UNSUPPORTED_TO_SEND.has(type)) return NOT_SUPPORTED(`DOCUMENTTYPE=${type}`);
        if (type !== 'EINVOICE' && type !== 'EARCHIVE') throw unknownType(type);
        const data = document.binaryData;
        if (!data || data.length === 0) throw new GatewayError('REQUEST_FIELD', { field: 'document binaryData' });
        const hash = document.hash?.trim();
        // The MD5 of the ZIP as sent, hex in either case (e-Logo's samples leave it empty when they do not check).
        if (hash && hash.toLowerCase() !== md5Hex(data)) return { resultCode: -1, resultMsg: 'Hash değeri gönderilen dosya ile uyuşmuyor.', outputList: ['ERRORCODE=HASH'] };
        const assign = params.get('SETDOCUMENTNUMBER') === '1';
        const prefix = params.get('DOCUMENTNUMBERTYPE')?.toUpperCase() === 'SERIALCODE' ? params.get('DOCUMENTNUMBERPREFIX') ?? null : null;
        const sent = await deps.invoices.sendInvoice(c, {
          document: data,
          container: 'zip',
          assignNumber: assign,
          numberSeries: prefix,
          signed: params.get('SIGNED') === '1',
          channel: type === 'EARCHIVE' ? 'EARSIV' : 'EFATURA',
          receiverAlias: params.get('ALIAS') ?? null,
        });
        refId = (await findInvoice(deps.db, c.tenantId, { ettn: sent.ettn }))?.id ?? 0;
        // e-Logo answers Başarılı with refId and no outputList; the number is GetDocumentStatus's ElementId.
        return OK;
      });
      return { result, refId };
    },

    /** GetDocumentStatus: the outgoing document's status with DURUM KODLARI's words. */
    async documentStatus(sessionId: string | null, uuid: string | null, paramList: readonly string[]) {
      // Assigned inside the closure below (a declared type, so the compiler does not narrow it to null).
      let statusInfo = null as { code: number; currentDate: Date | null; description: string; envelopeId: string | null; isCancel: boolean; status: number } | null;
      const result = await withSession(sessionId, async (c) => {
        const type = documentType(parseParams(paramList));
        if (UNSUPPORTED_TYPES.has(type) || type === 'INVOICEAPPRESP') return NOT_SUPPORTED(`DOCUMENTTYPE=${type}`);
        if (type !== 'EINVOICE' && type !== 'EARCHIVE') throw unknownType(type);
        const ettn = toEttn(uuid ?? '');
        let s;
        try {
          s = await deps.invoices.getStatus(c, { ettn });
        } catch (err) {
          if (isGatewayError(err) && err.fault === 'DOCUMENT_NOT_FOUND') {
            statusInfo = { code: 0, currentDate: null, description: 'Fatura mevcut değil ya da henüz işleme alınmadı. Lütfen daha sonra yeniden deneyin', envelopeId: null, isCancel: false, status: 0 };
            return NOT_FOUND;
          }
          throw err;
        }
        const gib = s.code >= 1000;
        statusInfo = {
          code: s.code,
          currentDate: new Date(s.updatedAt),
          description: INTEGRATOR_STAGES[s.code] ?? (gib ? `(GIB) ${s.description}` : s.description),
          envelopeId: s.envelopeId,
          isCancel: s.state === 'CANCELLED' || s.state === 'CANCEL_REPORTED',
          status: s.status,
        };
        // As e-Logo's sample: the invoice's number beside the result.
        return { ...OK, outputList: s.invoiceNumber ? [`ElementId=${s.invoiceNumber}`] : null };
      });
      return { result, statusInfo };
    },

    /**
     * GetDocument: the first received document of the kind not marked done (the pull loop) — an incoming e-Fatura
     * (EINVOICE), a KABUL/RED to one of the tenant's invoices (APPLICATIONRESPONSE), or a system response about an
     * envelope it sent (SYSTEMRESPONSE) — zipped, with its envelope and aliases.
     */
    async nextDocument(sessionId: string | null, paramList: readonly string[]) {
      let element = null as (DocumentData & { envelopeId: string; gbLabel: string; pkLabel: string }) | null;
      const result = await withSession(sessionId, async (c) => {
        const type = documentType(parseParams(paramList));
        if (!PULLED_KINDS.has(type)) return UNSUPPORTED_TYPES.has(type) ? NOT_SUPPORTED(`DOCUMENTTYPE=${type}`) : failure(unknownType(type));
        const done = await pulledUuids(deps.db, c.tenantId, type);
        if (type === 'EINVOICE') {
          const next = (await listIncomingInvoices(deps.db, c.tenantId, { limit: 10_000 })).find((r) => !done.has(r.ettn.toLowerCase()));
          if (!next) return NOTHING_WAITING;
          const zip = await zipped(`${next.ettn}.xml`, await deps.blobs.get(next.documentSha256));
          element = { binaryData: zip, fileName: `${next.ettn}.zip`, hash: md5Hex(zip), currentDate: new Date(next.createdAt), envelopeId: next.envelopeId, gbLabel: next.senderAlias, pkLabel: next.receiverAlias };
          return OK;
        }
        for (const env of await responseEnvelopesOf(deps.db, c.tenantId, type as 'APPLICATIONRESPONSE' | 'SYSTEMRESPONSE')) {
          const doc = await responseDocument(env);
          if (!doc || done.has(doc.uuid.toLowerCase())) continue;
          const zip = await zipped(`${doc.uuid}.xml`, doc.xml);
          element = { binaryData: zip, fileName: `${doc.uuid}.zip`, hash: md5Hex(zip), currentDate: new Date(env.createdAt), envelopeId: env.id, gbLabel: env.senderAlias ?? '', pkLabel: env.receiverAlias ?? '' };
          return OK;
        }
        return NOTHING_WAITING;
      });
      return { result, element };
    },

    /** GetDocumentDone: the document is taken; GetDocument hands out the next. Only the caller's own documents. */
    async documentDone(sessionId: string | null, uuid: string | null, paramList: readonly string[]): Promise<ResultType> {
      return withSession(sessionId, async (c) => {
        const type = documentType(parseParams(paramList));
        if (!PULLED_KINDS.has(type)) return NOT_SUPPORTED(`DOCUMENTTYPE=${type}`);
        // The C# sample passes GetDocument's fileName (<uuid>.zip).
        const id = (uuid ?? '').trim().replace(/\.zip$/i, '');
        if (!/^[0-9a-fA-F-]{36}$/.test(id)) throw new GatewayError('REQUEST_FIELD', { field: 'uuid' });
        let mine: boolean;
        if (type === 'EINVOICE') mine = Boolean(await findIncomingInvoice(deps.db, c.tenantId, toEttn(id)));
        else {
          mine = false;
          for (const env of await responseEnvelopesOf(deps.db, c.tenantId, type as 'APPLICATIONRESPONSE' | 'SYSTEMRESPONSE')) {
            if ((await responseDocument(env))?.uuid.toLowerCase() === id.toLowerCase()) {
              mine = true;
              break;
            }
          }
        }
        if (!mine) return NOT_FOUND;
        await markPulled(deps.db, { tenantId: c.tenantId, kind: type, uuid: id, at: now().toISOString() });
        return OK;
      });
    },

    /** getUserListNew: GİB's user list as the gateway last synced it, one role (GBLIST, PKLIST), zipped UserList XML. */
    async userList(userName: string, passWord: string, listType: string): Promise<DocumentData> {
      await deps.authenticator.login(userName.trim(), passWord);
      const role = listType === 'GBLIST' || listType === '0' ? 'GB' : listType === 'PKLIST' || listType === '1' ? 'PK' : null;
      if (!role) throw new GatewayError('REQUEST_FIELD', { field: `listType (${listType.slice(0, 20)}: GBLIST veya PKLIST)` });
      const byVkn = new Map<string, GibUser>();
      for (const a of await allGibUsers(deps.db)) {
        const u = byVkn.get(a.vknTckn) ?? { vknTckn: a.vknTckn, title: a.title, aliases: [] };
        u.aliases.push({ alias: a.alias, role: a.role, documentType: a.documentType, ...(a.firstCreationTime ? { creationTime: a.firstCreationTime.slice(0, 19) } : {}) });
        byVkn.set(a.vknTckn, u);
      }
      const name = `USERLIST_${role}`;
      const zip = await zipped(`${name}.xml`, buildUserList([...byVkn.values()], { role }));
      return { binaryData: zip, fileName: `${name}.zip`, hash: md5Hex(zip), currentDate: now() };
    },

    /** GetDocumentData: a sent or received invoice's UBL, or its visual (DATAFORMAT=HTML / PDF), zipped. */
    async documentData(sessionId: string | null, uuid: string | null, paramList: readonly string[]) {
      let document = null as DocumentData | null;
      const result = await withSession(sessionId, async (c) => {
        const params = parseParams(paramList);
        const type = documentType(params);
        const format = (params.get('DATAFORMAT') ?? 'UBL').toUpperCase();
        if (format !== 'UBL' && !((format === 'HTML' || format === 'PDF') && deps.visuals)) return NOT_SUPPORTED(`DATAFORMAT=${format}`);
        if (type !== 'EINVOICE' && type !== 'EARCHIVE') return NOT_SUPPORTED(`DOCUMENTTYPE=${type}`);
        const ettn = toEttn(uuid ?? '');
        // Each document read once: the UBL for DATAFORMAT=UBL, else the visual (which reads the UBL itself).
        let data: Buffer;
        if (await findInvoice(deps.db, c.tenantId, { ettn })) {
          const d = await deps.outgoing.document(c, { ettn });
          data = format === 'HTML' || format === 'PDF' ? (await deps.visuals!.outgoingVisual(d, format)).body : d.document;
        } else {
          const incoming = await findIncomingInvoice(deps.db, c.tenantId, ettn);
          if (!incoming) return NOT_FOUND;
          data = format === 'HTML' || format === 'PDF' ? (await deps.visuals!.visual(c, { direction: 'IN', ettn }, format)).body : await deps.blobs.get(incoming.documentSha256);
        }
        const zip = await zipped(`${ettn}.${format === 'UBL' ? 'xml' : format.toLowerCase()}`, data);
        document = { binaryData: zip, fileName: `${ettn}.zip`, hash: md5Hex(zip), currentDate: now() };
        return OK;
      });
      return { result, document };
    },

    /** GetDocumentList: the UUIDs of sent (OPTYPE 1) or received (OPTYPE 2) invoices between two days. */
    async documentList(sessionId: string | null, paramList: readonly string[]) {
      let docs: Array<{ documentUuid: string; envelopeId: string | null }> = [];
      const result = await withSession(sessionId, async (c) => {
        const params = parseParams(paramList);
        const type = documentType(params);
        if (type !== 'EINVOICE' && type !== 'EARCHIVE') return NOT_SUPPORTED(`DOCUMENTTYPE=${type}`);
        const day = (name: string) => {
          const v = params.get(name);
          if (v === undefined) return null;
          if (!/^\d{4}-\d\d-\d\d$/.test(v)) throw new GatewayError('REQUEST_FIELD', { field: `paramList ${name} (yyyy-aa-gg)` });
          return v;
        };
        const from = day('BEGINDATE');
        const to = day('ENDDATE');
        if ((params.get('OPTYPE') ?? '1') === '2') {
          const rows = await listIncomingInvoices(deps.db, c.tenantId, { from: from ? `${from}T00:00:00.000Z` : null, to: to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : null, limit: 10_000 });
          docs = rows.map((r) => ({ documentUuid: r.ettn, envelopeId: r.envelopeId }));
        } else {
          const list = await deps.outgoing.list(c, { from, to, dateBy: params.get('DATEBY') === '1' ? 'ISSUED' : 'CREATED', kind: type === 'EARCHIVE' ? 'EARSIV' : 'EFATURA', pageSize: 500 });
          docs = list.invoices.map((i) => ({ documentUuid: i.ettn, envelopeId: i.envelopeId }));
        }
        return OK;
      });
      return { result, docs };
    },

    /** GetValidateGIBUser: whether a VKN/TCKN is on GİB's user list, with its PK and GB aliases. */
    async validateGibUser(sessionId: string | null, paramList: readonly string[]): Promise<ResultType> {
      return withSession(sessionId, async () => {
        const params = parseParams(paramList);
        const vkn = params.get('VKN') ?? '';
        if (!/^\d{10,11}$/.test(vkn)) throw new GatewayError('REQUEST_FIELD', { field: 'paramList VKN' });
        if (!deps.users) return NOT_SUPPORTED('GİB kullanıcı listesi');
        const aliases = await deps.users.aliasesOf(vkn);
        const of = (role: string) => aliases.filter((a) => a.role === role).map((a) => a.alias).join(';');
        const registered = aliases.length > 0;
        const wantsDespatch = params.get('DOCUMENTTYPE') === '1';
        const out = [`ISGIBUSER=${registered ? 1 : 0}`];
        if (!wantsDespatch) out.push(`EINVOICEPKALIAS=${of('PK')}`, `EINVOICEGBALIAS=${of('GB')}`);
        if (params.get('DOCUMENTTYPE') !== '0') out.push('EDESPATCHPKALIAS=', 'EDESPATCHGBALIAS=');
        return { ...OK, outputList: out };
      });
    },

    /** CheckGibUser: per VKN/TCKN, e-Fatura user (1) or not (0), with its aliases. */
    async checkGibUsers(sessionId: string | null, vkns: readonly string[]) {
      const users: Array<{ identifier: string; invoice: number; aliases: Array<{ alias: string; role: string; title: string | null; firstCreationTime: string | null }> }> = [];
      const result = await withSession(sessionId, async () => {
        if (!deps.users) return NOT_SUPPORTED('GİB kullanıcı listesi');
        for (const vkn of vkns.map((v) => v.trim()).filter(Boolean).slice(0, 1000)) {
          const aliases = await deps.users.aliasesOf(vkn);
          users.push({ identifier: vkn, invoice: aliases.length > 0 ? 1 : 0, aliases });
        }
        return OK;
      });
      return { result, users };
    },
  };
  return service;
}

export type PostBoxService = ReturnType<typeof createPostBoxService>;
