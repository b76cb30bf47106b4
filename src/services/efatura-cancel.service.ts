/**
 * e-Fatura cancellation by agreement (seed 004; İptal/İtiraz Bildirim Kılavuzu §4): the sender signs a request over
 * invoice number + payable amount at GİB's cancellation portal; it waits as "Onay Bekliyor" until the receiver
 * approves it with its own seal ("Fatura İptal Edildi": the invoice is then cancelled, 1235) or rejects it; the
 * sender may delete it while it waits. Both sides list requests (made by me / made to me) from the portal itself.
 *
 * The portal is GİB's: requests and decisions are made there synchronously (the SOAP caller learns GİB's answer, or
 * a retryable fault when GİB is away); the gateway keeps its own row per request it made, and a periodic check
 * (cancel-requests.sync) learns the receiver's decision.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { cancelRequestById, findCancelRequest, insertCancelRequest, latestCancelRequest, setDecidedAt, waitingCancelRequests } from '../db/cancel-requests';
import { findIncomingInvoice } from '../db/incoming-invoices';
import { findInvoice, invoiceById } from '../db/invoices';
import { entities, type MachineStore } from '../db/machine-store';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import { cancelRequestMachine } from '../machines';
import type { CancelPortalClient, CancelRequestView } from '../gib/cancel-portal-client';
import { asGibFault } from '../gib/client-errors';
import {
  CANCEL_DECISION_SIGNATURE_PLACEMENT,
  CANCEL_REQUEST_SIGNATURE_PLACEMENT,
  buildCancelDecision,
  buildCancelRequest,
  type CancelDecisionKind,
} from '../gib/protocol/cancel-request';
import { toCancelRequestId, toEttn, type Ettn } from '../ids';
import type { Caller } from '../security/authenticator';
import { signXml } from '../signing/xades';
import type { SignerRegistry } from './signer-registry';

export interface EfaturaCancelDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  signers: SignerRegistry;
  portal: CancelPortalClient;
  clock: () => Date;
  logger: Logger;
}

/** Invoice states from which a cancellation request can be made: the invoice reached its receiver (1300). */
const CANCELLABLE = new Set(['DELIVERED', 'ACCEPTED']);

const PORTAL_EVENTS: Record<string, 'APPROVE' | 'REJECT' | 'DELETE' | undefined> = {
  'Fatura İptal Edildi': 'APPROVE',
  'Talep Reddedildi': 'REJECT',
  Silindi: 'DELETE',
};

export function createEfaturaCancelService(deps: EfaturaCancelDeps) {
  async function signed(tenantId: number, xml: Buffer, placement: typeof CANCEL_REQUEST_SIGNATURE_PLACEMENT | typeof CANCEL_DECISION_SIGNATURE_PLACEMENT) {
    return signXml(xml, await deps.signers.signerFor(tenantId), { placement, claimedRole: null });
  }

  /** Moves our request (and, on approval, our invoice) to what the portal says; a no-op when nothing changed. */
  async function follow(trx: Knex.Transaction, requestRowId: number, view: CancelRequestView, actor: string): Promise<void> {
    const event = PORTAL_EVENTS[view.state];
    const row = await cancelRequestById(trx, requestRowId);
    if (!event || !row || row.state !== 'WAITING') return;
    await deps.store.apply(entities.cancelRequest(requestRowId), { event, actor, reason: `GIB iptal portali: ${view.state}` }, trx);
    await setDecidedAt(trx, requestRowId, view.decidedAt ?? deps.clock().toISOString());
    if (event === 'APPROVE') {
      const inv = await invoiceById(trx, row.invoiceId);
      if (inv && CANCELLABLE.has(inv.state)) {
        await deps.store.apply(
          entities.invoice(row.invoiceId),
          { event: 'CANCEL_APPROVED', actor, reason: `iptal talebi ${view.id} alici tarafindan onaylandi`, contextPatch: { cancelledAt: view.decidedAt ?? null } },
          trx,
        );
      }
    }
  }

  return {
    /** The sender's request for one of its delivered e-Fatura invoices. A request already waiting is returned. */
    async request(caller: Caller, ettn: Ettn): Promise<CancelRequestView> {
      const inv = await findInvoice(deps.db, caller.tenantId, { ettn });
      if (!inv) throw new GatewayError('DOCUMENT_NOT_FOUND');
      const waiting = await latestCancelRequest(deps.db, inv.id, { waiting: true });
      if (waiting) {
        const view = await deps.portal.get(waiting.portalId).catch((err) => Promise.reject(asGibFault(err)));
        if (view) return view;
      }
      // İptal/İtiraz Bildirim Kılavuzu §2: the portal cancels TEMELFATURA and HKS invoices; a TICARIFATURA is
      // undone by the receiver's RED.
      if (inv.profileId !== 'TEMELFATURA' && inv.profileId !== 'HKS') {
        throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: `${inv.profileId} SENARYOSUNDA IPTAL TALEBI OLUSTURULAMAZ; TICARIFATURA ALICININ RED YANITIYLA GERI CEVRILIR` });
      }
      if (!CANCELLABLE.has(inv.state)) {
        throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: `IPTAL TALEBI SADECE ALICIYA ULASMIS (1300) E-FATURA ICIN OLUSTURULABILIR (DURUM: ${inv.state})` });
      }
      const id = randomUUID();
      const xml = buildCancelRequest({
        id,
        senderVknTckn: caller.tenantVkn,
        receiverVknTckn: inv.receiverId,
        ettn: inv.ettn,
        invoiceNumber: inv.number!,
        invoiceDate: inv.issueDate,
        amount: inv.payableAmount,
        currency: inv.currency,
        requestedAt: deps.clock(),
      });
      let view: CancelRequestView;
      try {
        view = await deps.portal.createRequest(await signed(caller.tenantId, xml, CANCEL_REQUEST_SIGNATURE_PLACEMENT));
      } catch (err) {
        throw asGibFault(err);
      }
      const now = deps.clock().toISOString();
      await deps.writer.run(async (trx) => {
        const rowId = await insertCancelRequest(trx, {
          tenantId: caller.tenantId,
          machine: cancelRequestMachine.id,
          state: cancelRequestMachine.initial,
          context: { ettn: inv.ettn, invoiceNumber: inv.number, amount: inv.payableAmount },
          invoiceId: inv.id,
          portalId: toCancelRequestId(view.id),
          at: now,
        });
        await deps.store.recordCreated(trx, cancelRequestMachine, entities.cancelRequest(rowId), `user:${caller.username}`, `iptal talebi ${view.id}`);
      });
      return view;
    },

    async list(caller: Caller, q: { direction: 'MADE' | 'RECEIVED'; from?: string | null; to?: string | null }): Promise<CancelRequestView[]> {
      try {
        return await deps.portal.list({
          vknTckn: caller.tenantVkn,
          direction: q.direction === 'MADE' ? 'made' : 'received',
          ...(q.from ? { from: q.from } : {}),
          ...(q.to ? { to: q.to } : {}),
        });
      } catch (err) {
        throw asGibFault(err);
      }
    },

    /**
     * APPROVE / REJECT by the invoice's receiver, DELETE by its sender. A request of other companies is not found:
     * the same answer as one that does not exist (tenant isolation); GİB checks the signer again.
     */
    async decide(caller: Caller, requestId: string, decision: CancelDecisionKind): Promise<CancelRequestView> {
      let current: CancelRequestView | null;
      try {
        current = await deps.portal.get(requestId);
      } catch (err) {
        throw asGibFault(err);
      }
      const party = decision === 'DELETE' ? current?.senderVknTckn : current?.receiverVknTckn;
      if (!current || party !== caller.tenantVkn) throw new GatewayError('CANCEL_REQUEST_NOT_FOUND');
      const xml = buildCancelDecision({ requestId: current.id, decision, deciderVknTckn: caller.tenantVkn, decidedAt: deps.clock() });
      let view: CancelRequestView;
      try {
        view = await deps.portal.decide(await signed(caller.tenantId, xml, CANCEL_DECISION_SIGNATURE_PLACEMENT));
      } catch (err) {
        throw asGibFault(err);
      }
      const actor = `user:${caller.username}`;
      await deps.writer.run(async (trx) => {
        if (decision === 'APPROVE') {
          // The receiver's copy of the invoice is cancelled as well.
          const incoming = await findIncomingInvoice(trx, caller.tenantId, toEttn(view.ettn));
          if (incoming && (incoming.state === 'INBOX' || incoming.state === 'ACCEPTED')) {
            await deps.store.apply(entities.incomingInvoice(incoming.id), { event: 'CANCEL_APPROVED', actor, reason: `iptal talebi ${view.id} onaylandi` }, trx);
          }
        }
        const own = await findCancelRequest(trx, caller.tenantId, toCancelRequestId(view.id));
        if (own) await follow(trx, own.id, view, actor);
      });
      return view;
    },

    /** cancel-requests.sync: asks the portal about every request still waiting and follows its answer. */
    async syncWaiting(): Promise<void> {
      for (const w of await waitingCancelRequests(deps.db)) {
        let view: CancelRequestView | null;
        try {
          view = await deps.portal.get(w.portalId);
        } catch (err) {
          deps.logger.warn({ request: w.portalId, error: (err as Error).message }, 'cancellation portal unreachable; asking again later');
          break;
        }
        if (view) await deps.writer.run((trx) => follow(trx, w.id, view!, 'gib'));
      }
    },
  };
}

export type EfaturaCancelService = ReturnType<typeof createEfaturaCancelService>;

