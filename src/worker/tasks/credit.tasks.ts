/**
 * Kontör's job (src/activation/credits.ts): credits.refund, the effect of an invoice's move into a refused final
 * state (the e-Fatura's GIB_REJECTED and ERROR, the e-Arşiv invoice's ERROR), gives its charge back — once, and only
 * when it was charged (an unmetered tenant's invoice, or one charged before, changes nothing).
 */
import type { CreditService } from '../../activation/credits';
import type { Task } from '../worker';

export const CREDIT_REFUND_TASK = 'credits.refund';

export function creditTasks(credits: Pick<CreditService, 'refundInvoice'>): Record<string, Task> {
  return {
    [CREDIT_REFUND_TASK]: {
      run: async (job) => {
        if (job.payload.table === 'invoices') await credits.refundInvoice(Number(job.payload.id));
      },
    },
  };
}
