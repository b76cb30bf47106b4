/**
 * The gateway's client of GİB's e-Defter web service (Web Servis Kılavuzu V1.7; codec src/gib/protocol/edefter-ws.ts):
 * every request is signed with WS-Security (X.509 PkiPath, Timestamp + Body, wsse-x509.ts) by the seal given — the
 * taxpayer's own, as the guide allows. The HTTP call, its timeout and the failure kinds are soap-call.ts's; the
 * retry table is client-errors.ts's (service 'edefter': GİB's database, disk and queue errors are retryable).
 *
 * Retrying a send: a call that timed out may have reached GİB; sending the same package again then gets 111 (Paket
 * sisteme daha önce yüklenmiş), which sendPackage reports as a duplicate delivery, not an error — getBatchStatus
 * then says what became of it.
 */
import type { Signer } from '../signing/signer';
import { GibCallError } from './client-errors';
import { EDEFTER_BATCH_STATUSES, EDEFTER_WS_NS, edefterRequest, parseEdefterAnswer, type EdefterSoapMessage } from './protocol/edefter-ws';
import { signedSoap12 } from './protocol/wsse-x509';
import { createSoapCall, faultCallError, unexpectedAnswer, type SoapAnswer } from './soap-call';

export interface EdefterBatchOutcome {
  outcome: 'pending' | 'approved' | 'rejected';
  code: number;
  description: string;
}

export interface EdefterClient {
  /** sendDocumentFile of one package (`VKN-YYYYMM-YB|KB-NNNNNN.zip`). Throws GibCallError. */
  sendPackage(fileName: string, zip: Buffer, signer: Signer): Promise<{ duplicate: boolean }>;
  /** getBatchStatus of a package ID (`VKN-YYYYMM-YB-NNNNNN`). */
  batchStatus(paketID: string, signer: Signer): Promise<EdefterBatchOutcome>;
  /** receiveDocumentFile: GİB's approved berat package (`GIB-<paketID>.zip`). */
  approvedBerat(paketID: string, signer: Signer): Promise<{ fileName: string; zip: Buffer }>;
}

type Answer = SoapAnswer<EdefterSoapMessage>;
const CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

export function createEdefterClient(opts: { url: string; timeoutMs: number; clock?: () => Date }): EdefterClient {
  const post = createSoapCall(opts, 'edefter', parseEdefterAnswer);
  const clock = opts.clock ?? (() => new Date());

  async function call<K extends EdefterSoapMessage['kind']>(operation: string, body: string, signer: Signer, expect: K): Promise<Extract<EdefterSoapMessage, { kind: K }>> {
    const message = await signedSoap12(body, signer, { now: clock(), namespaces: { web: EDEFTER_WS_NS } });
    const a: Answer = await post(operation, CONTENT_TYPE, message);
    if (a.msg.kind === 'fault') {
      const f = a.msg;
      throw faultCallError('edefter', operation, a.status, { code: f.code ?? null, text: f.message ?? f.reason, soapCode: f.soapCode });
    }
    if (a.msg.kind !== expect || a.status < 200 || a.status >= 300) throw unexpectedAnswer('edefter', operation, a.status, a.msg.kind);
    return a.msg as Extract<EdefterSoapMessage, { kind: K }>;
  }

  return {
    async sendPackage(fileName, zip, signer) {
      try {
        await call('sendDocumentFile', edefterRequest.sendDocumentFile({ fileName, binaryData: zip }), signer, 'sendDocumentFileResponse');
        return { duplicate: false };
      } catch (err) {
        if (err instanceof GibCallError && err.gibCode === 111) return { duplicate: true };
        throw err;
      }
    },
    async batchStatus(paketID, signer) {
      const m = await call('getBatchStatus', edefterRequest.getBatchStatus(paketID), signer, 'getBatchStatusResponse');
      const s = EDEFTER_BATCH_STATUSES[m.status.durumKodu];
      return { outcome: s.outcome, code: m.status.durumKodu, description: m.status.durumAciklama || s.text };
    },
    async approvedBerat(paketID, signer) {
      const m = await call('receiveDocumentFile', edefterRequest.receiveDocumentFile(paketID), signer, 'receiveDocumentFileResponse');
      if (m.attachment.binaryData.length === 0) throw new GibCallError({ gibCode: null, failure: 'answer', service: 'edefter', message: `GİB receiveDocumentFile ${paketID}: boş paket döndü` });
      return { fileName: m.attachment.fileName, zip: m.attachment.binaryData };
    },
  };
}
