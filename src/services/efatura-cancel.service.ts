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
import type { Caller } from '../security/authenticator';
import { signXml } from '../signing/xades';
import type { Task } from '../worker/worker';
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
    const row = await trx('cancel_requests').where({ id: requestRowId }).first('state', 'invoice_id');
    if (!event || !row || row.state !== 'WAITING') return;
    await deps.store.apply(entities.cancelRequest(requestRowId), { event, actor, reason: `GIB iptal portali: ${view.state}` }, trx);
    await trx('cancel_requests').where({ id: requestRowId }).update({ decided_at: view.decidedAt ?? deps.clock().toISOString() });
    if (event === 'APPROVE') {
      const inv = await trx('invoices').where({ id: row.invoice_id }).first('state');
      if (inv && CANCELLABLE.has(inv.state)) {
        await deps.store.apply(
          entities.invoice(Number(row.invoice_id)),
          { event: 'CANCEL_APPROVED', actor, reason: `iptal talebi ${view.id} alici tarafindan onaylandi`, contextPatch: { cancelledAt: view.decidedAt ?? null } },
          trx,
        );
      }
    }
  }

  return {
    /** The sender's request for one of its delivered e-Fatura invoices. A request already waiting is returned. */
    async request(caller: Caller, invoiceId: number): Promise<CancelRequestView> {
      const inv = await deps.db('invoices').where({ id: invoiceId, tenant_id: caller.tenantId }).first();
      if (!inv) throw new GatewayError('DOCUMENT_NOT_FOUND');
      const waiting = await deps.db('cancel_requests').where({ invoice_id: invoiceId, state: 'WAITING' }).first('portal_id');
      if (waiting) {
        const view = await deps.portal.get(waiting.portal_id).catch((err) => Promise.reject(asGibFault(err)));
        if (view) return view;
      }
      // İptal/İtiraz Bildirim Kılavuzu §2: the portal cancels TEMELFATURA and HKS invoices; a TICARIFATURA is
      // undone by the receiver's RED.
      if (inv.profile_id !== 'TEMELFATURA' && inv.profile_id !== 'HKS') {
        throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: `${inv.profile_id} SENARYOSUNDA IPTAL TALEBI OLUSTURULAMAZ; TICARIFATURA ALICININ RED YANITIYLA GERI CEVRILIR` });
      }
      if (!CANCELLABLE.has(inv.state)) {
        throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: `IPTAL TALEBI SADECE ALICIYA ULASMIS (1300) E-FATURA ICIN OLUSTURULABILIR (DURUM: ${inv.state})` });
      }
      const id = randomUUID();
      const xml = buildCancelRequest({
        id,
        senderVknTckn: caller.tenantVkn,
        receiverVknTckn: inv.receiver_id,
        ettn: inv.ettn,
        invoiceNumber: inv.invoice_number,
        invoiceDate: inv.issue_date,
        amount: inv.payable_amount,
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
        const [row] = await trx('cancel_requests')
          .insert({
            tenant_id: caller.tenantId,
            machine: 'efatura-cancel-request',
            state: 'WAITING',
            version: 1,
            context: JSON.stringify({ ettn: inv.ettn, invoiceNumber: inv.invoice_number, amount: inv.payable_amount }),
            invoice_id: invoiceId,
            portal_id: view.id.toLowerCase(),
            requested_at: now,
            created_at: now,
            updated_at: now,
          })
          .returning('id');
        const rowId = Number(typeof row === 'object' ? row.id : row);
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
          const incoming = await trx('incoming_invoices').where({ tenant_id: caller.tenantId, ettn: view.ettn.toLowerCase() }).first('id', 'state');
          if (incoming && (incoming.state === 'INBOX' || incoming.state === 'ACCEPTED')) {
            await deps.store.apply(entities.incomingInvoice(Number(incoming.id)), { event: 'CANCEL_APPROVED', actor, reason: `iptal talebi ${view.id} onaylandi` }, trx);
          }
        }
        const own = await trx('cancel_requests').where({ portal_id: view.id.toLowerCase(), tenant_id: caller.tenantId }).first('id');
        if (own) await follow(trx, Number(own.id), view, actor);
      });
      return view;
    },

    /** cancel-requests.sync: asks the portal about every request still waiting and follows its answer. */
    syncTask(everyMs: number): Task {
      return {
        async run() {
          const waiting = await deps.db('cancel_requests').where({ state: 'WAITING' }).select('id', 'portal_id');
          for (const w of waiting) {
            let view: CancelRequestView | null;
            try {
              view = await deps.portal.get(w.portal_id);
            } catch (err) {
              deps.logger.warn({ request: w.portal_id, error: (err as Error).message }, 'cancellation portal unreachable; asking again later');
              break;
            }
            if (view) await deps.writer.run((trx) => follow(trx, Number(w.id), view!, 'gib'));
          }
          return { runAgainAt: new Date(deps.clock().getTime() + everyMs) };
        },
      };
    },
  };
}

export type EfaturaCancelService = ReturnType<typeof createEfaturaCancelService>;

