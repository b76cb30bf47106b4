/**
 * The gateway's client of GİB's e-Arşiv web service (../shared/gib/earsiv/EArsivWs.wsdl: SOAP 1.2,
 * document/literal): sendDocumentFile for the daily e-Arşiv report, getBatchStatus for its verdict, getUserList for
 * the registered e-Fatura users. A thin wrapper around the codec (src/gib/protocol/earsiv-ws.ts, user-list.ts); the
 * HTTP call, its timeout and the failure kinds are soap-call.ts's, shared with the EFatura client (client.ts).
 *
 * The report travels as `<raporNo>.zip` holding `<raporNo>.xml` (earsiv-ws.ts reportIdFromFileName), the ZIP
 * packed like an envelope (package.ts: one entry, fixed entry time, so a resent report is the same bytes).
 *
 * Retrying: a call that timed out may or may not have reached GİB; sending the same report again then gets 111
 * (Paket sisteme daha önce yüklenmiş), which sendReport reports as a duplicate delivery of the same package, not
 * as an error. Everything else follows client-errors.ts (service 'earsiv').
 */
import { unpackDocument } from '../zip/read';
import { zipOne } from '../zip/write';
import {
  buildGetBatchStatusRequest,
  buildGetUserListRequest,
  buildSendDocumentFileRequest,
  earsivBatchOutcome,
  earsivBatchText,
  earsivContentType,
  earsivFaultText,
  invalidField,
  mergeUserLists,
  parseEarsivSoapMessage,
  parseUserList,
  type EarsivOperation,
  type EarsivSoapMessage,
  type GibUser,
  type UserListRole,
} from './protocol';
import { requireUuid } from './protocol/markup';
import { GibCallError } from './client-errors';
import { createSoapCall, faultCallError, unexpectedAnswer, type SoapAnswer } from './soap-call';

export { GibCallError, isGibCallError } from './client-errors';

export interface EarsivClient {
  /** Zips and sends a signed report; returns GİB's paketId. Throws GibCallError (retryable vs not per client-errors.ts). */
  sendReport(reportXml: Buffer, reportId: string): Promise<{ paketId: string; duplicate: boolean }>;
  /** getBatchStatus */
  getReportStatus(paketId: string): Promise<{ outcome: 'pending' | 'accepted' | 'rejected'; code: number; description: string }>;
  /** getUserList, parsed: the GB and the PK list, merged per VKN/TCKN. */
  getUserList(): Promise<GibUser[]>;
}

export interface EarsivClientOptions {
  /** The EArsivWs address (GİB's, or the simulator's earsivUrl). */
  url: string;
  /** Longest a call may take, answer included. */
  timeoutMs: number;
  /** Defaults to the global fetch (undici). */
  fetch?: typeof fetch;
}

/** Largest user list accepted once unzipped. */
const MAX_USER_LIST_BYTES = 512 * 1024 * 1024;

type Answer = SoapAnswer<EarsivSoapMessage>;

/** `<reportId>.zip` holding `<reportId>.xml`; the report's own raporNo must be reportId. */
export async function packReport(reportXml: Buffer, reportId: string): Promise<{ fileName: string; zip: Buffer }> {
  requireUuid(reportId, 'reportId');
  const head = reportXml.toString('utf8', 0, Math.min(reportXml.length, 64 * 1024));
  const m = /<(?:[A-Za-z_][\w.-]*:)?raporNo\s*>\s*([^<]*?)\s*<\//.exec(head);
  if (!m || m[1]!.toLowerCase() !== reportId.toLowerCase()) throw invalidField('reportId', `raporun raporNo değeri ${m ? m[1] : 'yok'}, ${reportId} değil`);
  return { fileName: `${reportId}.zip`, zip: await zipOne(`${reportId}.xml`, reportXml) };
}

export function createEarsivClient(opts: EarsivClientOptions): EarsivClient {
  const post = createSoapCall(opts, 'earsiv', parseEarsivSoapMessage);
  const call = (operation: EarsivOperation, body: Buffer): Promise<Answer> => post(operation, earsivContentType(operation), body);

  function faultError(operation: EarsivOperation, a: Answer, f: Extract<EarsivSoapMessage, { kind: 'fault' }>): GibCallError {
    const code = f.code ?? null;
    const text = f.message ?? (f.reason || (code !== null ? earsivFaultText(code) : ''));
    // InterruptedException (getBatchStatus): no code; GİB was interrupted, so asking again is right. Reported as
    // an 'answer' failure (retryable in client-errors.ts whatever HTTP status carried the fault).
    if (f.interrupted) {
      return new GibCallError({ gibCode: null, failure: 'answer', httpStatus: a.status, service: 'earsiv', message: `GİB ${operation}: InterruptedException ${f.reason}`.trim() });
    }
    return faultCallError('earsiv', operation, a.status, { code, text, soapCode: f.soapCode });
  }

  function answerError(operation: EarsivOperation, a: Answer, detail: string, cause?: unknown): GibCallError {
    return new GibCallError({ gibCode: null, failure: 'answer', httpStatus: a.status, service: 'earsiv', message: `GİB ${operation}: ${detail}`, cause });
  }

  const ok = (a: Answer): boolean => a.status >= 200 && a.status < 300;

  async function userList(role: UserListRole): Promise<GibUser[]> {
    const a = await call('getUserList', buildGetUserListRequest(role));
    if (a.msg.kind === 'fault') throw faultError('getUserList', a, a.msg);
    if (a.msg.kind !== 'getUserListResponse' || !ok(a)) throw unexpectedAnswer('earsiv', 'getUserList', a.status, a.msg.kind);
    if (!a.msg.attachment || a.msg.attachment.binaryData.length === 0) throw answerError('getUserList', a, `${role} listesi boş döndü`);
    try {
      // The list comes zipped (one XML file); a bare XML document is taken too.
      const { xml } = await unpackDocument(a.msg.attachment.binaryData, { container: 'auto', maxUnzippedBytes: MAX_USER_LIST_BYTES });
      return parseUserList(xml, { role });
    } catch (err) {
      throw answerError('getUserList', a, `unreadable ${role} user list: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  return {
    async sendReport(reportXml, reportId) {
      const packed = await packReport(reportXml, reportId);
      const a = await call('sendDocumentFile', buildSendDocumentFileRequest({ fileName: packed.fileName, binaryData: packed.zip }));
      const id = packed.fileName.slice(0, -4);
      if (a.msg.kind === 'fault') {
        // 111 Paket sisteme daha önce yüklenmiş: an earlier attempt got through (its answer was lost). The package
        // ID is the package name (earsiv-ws.ts reportIdFromFileName), so the delivery stands under the same ID.
        if (a.msg.code === 111) return { paketId: id, duplicate: true };
        throw faultError('sendDocumentFile', a, a.msg);
      }
      if (a.msg.kind !== 'sendDocumentFileResponse' || !ok(a)) throw unexpectedAnswer('earsiv', 'sendDocumentFile', a.status, a.msg.kind);
      if (a.msg.result === '') throw answerError('sendDocumentFile', a, 'paket ID dönmedi');
      return { paketId: a.msg.result, duplicate: false };
    },

    async getReportStatus(paketId) {
      if (typeof paketId !== 'string' || paketId.trim() === '') throw invalidField('paketId', 'boş olamaz');
      const a = await call('getBatchStatus', buildGetBatchStatusRequest(paketId));
      if (a.msg.kind === 'fault') throw faultError('getBatchStatus', a, a.msg);
      if (a.msg.kind !== 'getBatchStatusResponse' || !ok(a)) throw unexpectedAnswer('earsiv', 'getBatchStatus', a.status, a.msg.kind);
      const s = a.msg.status;
      if (!s) throw answerError('getBatchStatus', a, 'durum bilgisi dönmedi');
      return { outcome: earsivBatchOutcome(s.durumKodu), code: s.durumKodu, description: s.durumAciklama || earsivBatchText(s.durumKodu) };
    },

    async getUserList() {
      const [gb, pk] = await Promise.all([userList('GB'), userList('PK')]);
      return mergeUserLists(gb, pk);
    },
  };
}
