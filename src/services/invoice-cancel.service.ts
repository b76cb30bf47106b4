/**
 * CancelInvoice, for both kinds of invoice:
 *   e-Arşiv   the gateway cancels a successful (Başarılı) invoice itself (seed 000); the cancellation goes into the
 *             e-Arşiv report of its date, and the number is never used again.
 *   e-Fatura  a signed request at GİB's cancellation portal, which the receiver approves or rejects (seed 004,
 *             efatura-cancel.service.ts).
 */
import type { Knex } from 'knex';
import { findInvoice } from '../db/invoices';
import { entities, type MachineStore } from '../db/machine-store';
import { GatewayError } from '../faults';
import type { CancelRequestView } from '../gib/cancel-portal-client';
import type { Ettn } from '../ids';
import { earsivInvoiceMachine } from '../machines';
import type { Caller } from '../security/authenticator';
import { turkishDay } from '../turkish-time';
import type { EfaturaCancelService } from './efatura-cancel.service';

export interface InvoiceCancelDeps {
  db: Knex;
  store: MachineStore;
  clock: () => Date;
  /** e-Fatura's requests at GİB's cancellation portal (without it, only e-Arşiv invoices are cancelled). */
  efaturaCancel?: EfaturaCancelService;
}

export interface InvoiceRef {
  ettn?: Ettn | null;
  number?: string | null;
}

/** How the state an invoice is in reads in the refusal (seed 000's words, e-Logo's portal tabs). */
function durum(state: string): string {
  if (state === 'ERROR') return 'HATALI';
  if (state === 'CANCELLED' || state === 'CANCEL_REPORTED') return 'IPTAL EDILMIS';
  return 'HENUZ SONUCLANMAMIS';
}

export function createInvoiceCancelService(deps: InvoiceCancelDeps) {
  async function invoiceOf(tenantId: number, ref: InvoiceRef) {
    if (!ref.ettn && !ref.number) throw new GatewayError('REQUEST_FIELD', { field: 'ettn veya invoiceNumber' });
    const row = await findInvoice(deps.db, tenantId, ref);
    if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
    return row;
  }

  const service = {
    /**
     * Cancels a successful e-Arşiv invoice of the tenant (seed 000): only one in SUCCESS (Başarılı) can be cancelled —
     * errored or not yet concluded ones cannot (CANCEL_NOT_ALLOWED, 4508). The cancellation is reported in the report
     * of its date (`context.cancelledAt`, an Istanbul day), and its number is never used again (number_series is
     * gapless and moves only forward; nothing is given back here). Another tenant's invoice is DOCUMENT_NOT_FOUND.
     */
    async cancelEarsiv(tenantId: number, ref: InvoiceRef, actor: string): Promise<{ state: string; cancelledAt: string }> {
      const row = await invoiceOf(tenantId, ref);
      if (row.kind !== 'EARSIV' || row.machine !== earsivInvoiceMachine.id) {
        throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: 'BU ISLEMLE SADECE E-ARSIV FATURALARI IPTAL EDILEBILIR (E-FATURA ICIN IPTAL TALEBI KULLANILIR)' });
      }
      if (row.state !== 'SUCCESS') {
        throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: `SADECE BASARILI DURUMDAKI E-ARSIV FATURALARI IPTAL EDILEBILIR (DURUM: ${durum(row.state)})` });
      }
      const cancelledAt = deps.clock().toISOString();
      const result = await deps.store.apply(entities.invoice(row.id), {
        event: 'CANCEL',
        actor,
        reason: `e-Arsiv fatura iptal edildi; ${turkishDay(new Date(cancelledAt))} tarihli e-Arsiv raporunda bildirilecek`,
        contextPatch: { cancelledAt },
        expectedVersion: row.version,
      });
      return { state: result.to, cancelledAt };
    },

    /** CancelInvoice: the e-Arşiv cancellation, or the e-Fatura cancellation request (returned). */
    async cancel(caller: Caller, ref: InvoiceRef): Promise<{ ettn: Ettn; cancelRequest: CancelRequestView | null }> {
      const row = await invoiceOf(caller.tenantId, ref);
      if (row.kind === 'EARSIV') {
        await service.cancelEarsiv(caller.tenantId, { ettn: row.ettn }, `user:${caller.username}`);
        return { ettn: row.ettn, cancelRequest: null };
      }
      if (!deps.efaturaCancel) throw new Error('invoice cancel: e-Fatura cancellations need the cancellation portal');
      return { ettn: row.ettn, cancelRequest: await deps.efaturaCancel.request(caller, row.ettn) };
    },
  };
  return service;
}

export type InvoiceCancelService = ReturnType<typeof createInvoiceCancelService>;
